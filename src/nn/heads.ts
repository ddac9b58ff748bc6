// Classification heads over last_hidden_state [B, T, H] -> logits [B, C].
import type { Value } from '../graph/index.ts';
import { encoderArchitecture } from './arch/index.ts';
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

/** The architecture's Hugging Face ForSequenceClassification head (its module's hfHead). [B, T, H] -> [B, C] */
export function hfSequenceClassificationHead(
  params: Params,
  config: ModelConfig,
  hidden: Value,
  dropout: Dropout = noDropout,
): Value {
  return encoderArchitecture(config.modelType).hfHead(params, config, hidden, dropout);
}

function classifierDropout(config: ModelConfig): number {
  return config.classifierDropout ?? config.hiddenDropoutProb;
}
