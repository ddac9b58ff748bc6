// Deterministic random weights for tests and demos (no pretrained weights can be downloaded here).
//
// The recipe, so anyone can reproduce a model from its seed: a mulberry32 generator seeded with `seed` draws
// standard normals by Box-Muller (two uniforms per pair, both values used); tensors are filled one after another in
// sorted-name order, row-major. Linear weights and embeddings ~ N(0, initializer_range) (transformers' _init_weights),
// biases 0, LayerNorm weight 1 and bias 0, and the padding row of word embeddings (and RoBERTa's position
// embeddings: the architecture's paddingRows) zero.
import { encoderArchitecture } from './arch/index.ts';
import type { ModelConfig } from './config.ts';
import { normalSampler } from './random.ts';
import type { NamedTensor } from './safetensors.ts';
import { expectedEncoderWeights, layerNormWeights } from './weights.ts';

export interface InitOptions {
  seed: number;
  /** transformers' initializer_range; 0.02 by default. */
  std?: number;
  /** Heads to add: 'hf_seqcls' (the architecture's ForSequenceClassification head), 'project', or none. */
  head?: 'hf_seqcls' | 'project' | null;
  /** With the BERT pooler (BertModel has one; RoBERTa's classification checkpoints do not). */
  pooler?: boolean;
}

/** Every parameter of the model with its shape, canonical names (encoder without prefix). */
export function parameterShapes(
  config: ModelConfig,
  options: Pick<InitOptions, 'head' | 'pooler'>,
): { name: string; shape: number[] }[] {
  const arch = encoderArchitecture(config.modelType);
  const H = config.hiddenSize;
  const C = config.id2label.length;
  const withOptional = options.pooler ?? true; // BERT's pooler: BertModel has one
  const shapes = expectedEncoderWeights(config)
    .filter((w) => withOptional || !w.optional)
    .map((w) => ({ name: w.name, shape: w.shape }));
  const extra =
    options.head === 'hf_seqcls'
      ? arch.headWeights(config)
      : options.head === 'project'
        ? [
            { name: 'project_head.classifier.weight', shape: [C, H] },
            { name: 'project_head.classifier.bias', shape: [C] },
          ]
        : [];
  for (const w of extra) if (!shapes.some((s) => s.name === w.name)) shapes.push(w);
  return shapes;
}

export function initWeights(config: ModelConfig, options: InitOptions): Map<string, NamedTensor> {
  const normal = normalSampler(options.seed);
  const std = options.std ?? 0.02;
  const norms = layerNormWeights(config);
  const paddingRows = new Set(encoderArchitecture(config.modelType).paddingRows);
  const out = new Map<string, NamedTensor>();
  for (const { name, shape } of parameterShapes(config, options).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (norms.has(name)) data.fill(1);
    else if (!name.endsWith('.bias')) for (let i = 0; i < data.length; i++) data[i] = normal() * std;
    if (paddingRows.has(name)) data.fill(0, config.padTokenId * shape[1], (config.padTokenId + 1) * shape[1]);
    out.set(name, { shape, data });
  }
  return out;
}
