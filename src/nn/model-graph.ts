// Inference graphs with the input and output names Hugging Face Optimum gives its exports, so transformers.js
// and our own runtime load them alike: feature-extraction (last_hidden_state, and sentence_embedding when pooled)
// and sequence-classification (logits). text-generation is the causal LMs' (./arch/gpt2.ts, ./arch/llama.ts); an
// encoder refuses it.
import { Graph } from '../graph/index.ts';
import type { ModelConfig } from './config.ts';
import { buildEncoder, encoderInputs } from './encoder.ts';
import { hfSequenceClassificationHead, projectHead, type HeadKind } from './heads.ts';
import { Params } from './params.ts';
import { l2Normalize, pool, type Pooling } from './pooling.ts';
import type { NamedTensor } from './safetensors.ts';

export type Task = 'feature-extraction' | 'sequence-classification' | 'text-generation' | 'text-generation-with-past';

export interface ExportSpec {
  task: Task;
  /** feature-extraction: adds sentence_embedding; sequence-classification with the project head: its pooling. */
  pooling?: Pooling | null;
  /** L2-normalize sentence_embedding (sentence-transformers' Normalize module). */
  normalize?: boolean;
  /** sequence-classification: edgeclass's project head or the Hugging Face head of the architecture. */
  head?: HeadKind;
}

/** Which head a checkpoint carries: edgeclass's project head, or the Hugging Face classifier. */
export function headOf(weights: Map<string, NamedTensor>): HeadKind | null {
  if (weights.has('project_head.classifier.weight')) return 'project';
  if (weights.has('classifier.weight') || weights.has('classifier.out_proj.weight')) return 'hf_seqcls'; // every encoder's
  return null;
}

export function buildInferenceGraph(weights: Map<string, NamedTensor>, config: ModelConfig, spec: ExportSpec): Graph {
  if (spec.task === 'text-generation' || spec.task === 'text-generation-with-past')
    throw new Error(
      `text-generation needs a causal LM (gpt2, llama); a ${config.modelType} model exports feature-extraction or sequence-classification`,
    );
  const g = new Graph(`${config.modelType}-${spec.task}`);
  const params = new Params(g, weights);
  const inputs = encoderInputs(g, config);
  const { lastHiddenState } = buildEncoder(params, config, inputs);
  if (spec.task === 'feature-extraction') {
    g.output(lastHiddenState, 'last_hidden_state');
    if (spec.pooling) {
      const pooled = pool(lastHiddenState, inputs.attentionMask, spec.pooling);
      g.output(spec.normalize ? l2Normalize(pooled) : pooled, 'sentence_embedding');
    }
    return g;
  }
  const head = spec.head ?? headOf(weights);
  if (head === 'project') {
    if (!spec.pooling) throw new Error('the project head needs a pooling (cls, mean or max)');
    g.output(projectHead(params, config, lastHiddenState, inputs.attentionMask, spec.pooling), 'logits');
  } else if (head === 'hf_seqcls') {
    g.output(hfSequenceClassificationHead(params, config, lastHiddenState), 'logits');
  } else {
    throw new Error(
      'sequence-classification needs a classification head in the checkpoint (classifier.* or project_head.*)',
    );
  }
  return g;
}
