// A Llama graph that exposes every intermediate the causal-LM fixtures record (hidden states, the input of the final
// norm, attentions, the RoPE tables at the fed positions, logits), built from the same src/nn modules as the export.
import { Graph } from '../../src/graph/index.ts';
import { buildLlama, llamaInputs } from '../../src/nn/llama.ts';
import { Params } from '../../src/nn/params.ts';
import type { CausalFixture } from './model-golden.ts';

export function buildLlamaProbe(f: CausalFixture): Graph {
  const g = new Graph('llama-probe');
  const out = buildLlama(new Params(g, f.weights), f.config, llamaInputs(g, f.config, false));
  out.hiddenStates.forEach((h, i) => g.output(h, `hidden_states_${i}`));
  out.attentions.forEach((a, i) => g.output(a, `attentions_${i}`));
  g.output(out.finalNormInput, 'final_norm_input');
  g.output(out.lastHiddenState, 'last_hidden_state');
  g.output(out.logits, 'logits');
  g.output(out.cos, 'cos');
  g.output(out.sin, 'sin');
  return g;
}

/** input_ids, attention_mask and position_ids (0..T-1 on every row, as HF's forward without position_ids). */
export function causalFeeds(f: CausalFixture) {
  const inp = f.golden.inputs;
  const B = inp.input_ids.length;
  const T = inp.input_ids[0].length;
  const ints = (rows: number[][]) => ({ data: BigInt64Array.from(rows.flat(), (x) => BigInt(x)), dims: [B, T] });
  return {
    input_ids: ints(inp.input_ids),
    attention_mask: ints(inp.attention_mask),
    position_ids: ints(inp.input_ids.map((row: number[]) => row.map((_, t) => t))),
  };
}

/** The entries of a [B, T, ...rest] tensor at real positions (mask 1), in order. */
export function atRealPositions(data: ArrayLike<number>, mask: number[][], inner: number): number[] {
  const out: number[] = [];
  const T = mask[0].length;
  mask.forEach((row, b) =>
    row.forEach((m, t) => {
      if (m) for (let k = 0; k < inner; k++) out.push(data[(b * T + t) * inner + k]);
    }),
  );
  return out;
}

/**
 * What a label-scoring strategy reads from the logits [B, T, V], in float64: the log-probability of each next token
 * where both tokens are real, each row's sum, the sum from continuation_start on, and HF's causal-LM loss.
 */
export function scoreFromLogits(logits: Float32Array, ids: number[][], mask: number[][], start: number[], V: number) {
  const T = ids[0].length;
  const next: number[][] = [];
  let lossSum = 0;
  let lossCount = 0;
  ids.forEach((row, b) => {
    const lp: number[] = [];
    for (let t = 0; t < T - 1; t++) {
      if (!(mask[b][t] && mask[b][t + 1])) {
        lp.push(0);
        continue;
      }
      const at = (b * T + t) * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[at + v]);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(logits[at + v] - max);
      const value = logits[at + row[t + 1]] - max - Math.log(sum);
      lp.push(value);
      lossSum -= value;
      lossCount++;
    }
    next.push(lp);
  });
  return {
    nextTokenLogprobs: next,
    sequenceLogprob: next.map((r) => r.reduce((a, x) => a + x, 0)),
    continuationLogprob: next.map((r, b) => r.reduce((a, x, t) => a + (t + 1 >= start[b] ? x : 0), 0)),
    loss: lossSum / lossCount,
  };
}
