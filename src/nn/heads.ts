// Classification heads over last_hidden_state [B, T, H] -> logits [B, C].
import { ops, type Value } from '../graph/index.ts';
import type { ModelConfig } from './config.ts';
import { linear, noDropout, type Dropout } from './layers.ts';
import type { Params } from './params.ts';
import { pool, type Pooling } from './pooling.ts';

export type HeadKind = 'project' | 'hf_seqcls';

/** edgeclass's head: pool -> dropout -> Linear(H, C); weights `project_head.classifier.{weight,bias}`. */
export function projectHead(
  params: Params,
  config: ModelConfig,
  hidden: Value,
  mask: Value,
  pooling: Pooling,
  dropout: Dropout = noDropout,
): Value {
  const pooled = dropout(pool(hidden, mask, pooling), classifierDropout(config));
  return linear(params, 'project_head.classifier', pooled, config.hiddenSize, config.id2label.length);
}

/** BertModel's pooler: tanh(dense(h[:, 0])). [B, T, H] -> [B, H] */
export function bertPooler(params: Params, config: ModelConfig, hidden: Value): Value {
  const first = ops.gather(hidden, hidden.graph.constInt64([0], []), 1);
  return ops.tanh(linear(params, 'pooler.dense', first, config.hiddenSize, config.hiddenSize));
}

/** BertForSequenceClassification: pooler -> dropout -> classifier. RobertaForSequenceClassification:
 *  h[:, 0] -> dropout -> classifier.dense -> tanh -> dropout -> classifier.out_proj. */
export function hfSequenceClassificationHead(
  params: Params,
  config: ModelConfig,
  hidden: Value,
  dropout: Dropout = noDropout,
): Value {
  const H = config.hiddenSize;
  const C = config.id2label.length;
  const p = classifierDropout(config);
  if (config.modelType === 'bert') {
    return linear(params, 'classifier', dropout(bertPooler(params, config, hidden), p), H, C);
  }
  const first = ops.gather(hidden, hidden.graph.constInt64([0], []), 1); // [B, H]
  const dense = ops.tanh(linear(params, 'classifier.dense', dropout(first, p), H, H));
  return linear(params, 'classifier.out_proj', dropout(dense, p), H, C);
}

function classifierDropout(config: ModelConfig): number {
  return config.classifierDropout ?? config.hiddenDropoutProb;
}
