// The model a fine-tune starts from: the base folder's encoder, and a classification head for this label set --
// the base's own head when it fits, else a fresh one (normal init, seeded) -- with the config updated to match.
import { encoderArchitecture } from '../nn/arch/index.ts';
import { parseModelConfig, toHfConfigJson } from '../nn/arch/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { ModelFolder } from '../nn/folder.ts';
import type { HeadKind } from '../nn/heads.ts';
import { normalSampler } from '../nn/random.ts';
import type { Pooling } from '../nn/pooling.ts';
import type { NamedTensor } from '../nn/safetensors.ts';

export interface HeadChoice {
  head: HeadKind;
  pooling: Pooling | null;
}

export interface PreparedModel {
  config: ModelConfig;
  weights: Map<string, NamedTensor>;
  head: HeadKind;
  pooling: Pooling | null;
  /** Head tensors made fresh for this label set. */
  initialized: string[];
}

function headTensors(config: ModelConfig, head: HeadKind): { name: string; shape: number[] }[] {
  if (head === 'project')
    return [
      { name: 'project_head.classifier.weight', shape: [config.id2label.length, config.hiddenSize] },
      { name: 'project_head.classifier.bias', shape: [config.id2label.length] },
    ];
  return encoderArchitecture(config.modelType).headWeights(config);
}

export function prepareModel(
  base: ModelFolder,
  labels: string[],
  choice: HeadChoice,
  options: { seed: number; multiLabel: boolean },
): PreparedModel {
  const json = toHfConfigJson(base.config);
  const arch = encoderArchitecture(base.config.modelType).classStem;
  json.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  delete json.label2id;
  json.architectures = [`${arch}ForSequenceClassification`];
  json.problem_type = options.multiLabel ? 'multi_label_classification' : 'single_label_classification';
  json.edgeclass = { ...(json.edgeclass as object | undefined), head: choice.head, pooling: choice.pooling };
  const config = parseModelConfig(json);

  const weights = new Map(base.weights);
  const std = typeof base.config.extra.initializer_range === 'number' ? base.config.extra.initializer_range : 0.02;
  const normal = normalSampler(options.seed ^ 0x5eed);
  const initialized: string[] = [];
  for (const { name, shape } of headTensors(config, choice.head)) {
    const existing = weights.get(name);
    if (existing && existing.shape.length === shape.length && existing.shape.every((d, i) => d === shape[i])) continue;
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (!name.endsWith('.bias')) for (let i = 0; i < data.length; i++) data[i] = normal() * std;
    weights.set(name, { shape, data });
    initialized.push(name);
  }
  return { config, weights, head: choice.head, pooling: choice.pooling, initialized };
}
