// A graph that exposes every intermediate the model fixtures record, built from the same src/nn modules as the
// exported models: position ids, hidden states, poolings, BERT's pooler, the logits and losses of every head.
import { Graph, ops, type Value } from '../../src/graph/index.ts';
import { bertPooler } from '../../src/nn/arch/bert.ts';
import { buildEncoder, encoderInputs, hasTokenTypes } from '../../src/nn/encoder.ts';
import { hfSequenceClassificationHead, projectHead } from '../../src/nn/heads.ts';
import { linear } from '../../src/nn/layers.ts';
import { Params } from '../../src/nn/params.ts';
import { pool, POOLINGS } from '../../src/nn/pooling.ts';
import type { Fixture } from './model-golden.ts';

export function buildProbeGraph(f: Fixture): Graph {
  const g = new Graph('probe');
  const params = new Params(g, f.weights);
  const inputs = encoderInputs(g, f.config);
  const labels = g.input('labels', 'int64', ['batch_size']);
  const enc = buildEncoder(params, f.config, inputs);
  g.output(enc.positionIds, 'position_ids');
  enc.hiddenStates.forEach((h, i) => g.output(h, `hidden_states_${i}`));
  g.output(enc.lastHiddenState, 'last_hidden_state');
  const logits: Record<string, Value> = {};
  for (const p of POOLINGS) {
    g.output(pool(enc.lastHiddenState, inputs.attentionMask, p), `pooled_${p}`);
    logits[`project_${p}`] = projectHead(params, f.config, enc.lastHiddenState, inputs.attentionMask, p);
  }
  // The head's own intermediate, where the fixture records one: BERT's pooler, DistilBERT's pre_classifier.
  const fwd = f.golden.forward;
  if (fwd.pooler_output) g.output(bertPooler(params, f.config.hiddenSize, enc.lastHiddenState), 'pooler_output');
  if (fwd.pre_classifier_output) {
    const H = f.config.hiddenSize;
    const first = ops.gather(enc.lastHiddenState, g.constInt64([0], []), 1);
    g.output(ops.relu(linear(params, 'pre_classifier', first, H, H)), 'pre_classifier_output');
  }
  logits.hf_seqcls = hfSequenceClassificationHead(params, f.config, enc.lastHiddenState);
  for (const [k, v] of Object.entries(logits)) {
    g.output(v, `logits_${k}`);
    g.output(ops.softmaxCrossEntropyLoss(v, labels).loss, `loss_${k}`);
  }
  return g;
}

export function fixtureFeeds(f: Fixture, withLabels: boolean) {
  const inp = f.golden.inputs;
  const B = inp.input_ids.length;
  const T = inp.input_ids[0].length;
  const ints = (rows: number[][]) => ({ data: BigInt64Array.from(rows.flat(), (x) => BigInt(x)), dims: [B, T] });
  const feeds: Record<string, { data: BigInt64Array; dims: number[] }> = {
    input_ids: ints(inp.input_ids),
    attention_mask: ints(inp.attention_mask),
  };
  if (hasTokenTypes(f.config)) feeds.token_type_ids = ints(inp.token_type_ids);
  if (withLabels) feeds.labels = { data: BigInt64Array.from(inp.labels, (x: number) => BigInt(x)), dims: [B] };
  return feeds;
}
