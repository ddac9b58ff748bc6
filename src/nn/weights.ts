// Parameter names. Checkpoints spell the encoder three ways: `bert.`/`roberta.` prefixed (…ForSequenceClassification,
// …ForMaskedLM), bare (BertModel, sentence-transformers) and, in old TF-converted files, LayerNorm.gamma/beta.
// Inside edgeclass encoder parameters are always bare BertModel names (`embeddings.word_embeddings.weight`,
// `encoder.layer.0.attention.self.query.weight`, `pooler.dense.weight`); head parameters keep their own names
// (`classifier.*`, `classifier.dense.*`, `classifier.out_proj.*`, `project_head.classifier.*`).

import type { ModelConfig, ModelType } from './config.ts';
import type { NamedTensor } from './safetensors.ts';

export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

const ENCODER_ROOTS = ['embeddings.', 'encoder.', 'pooler.'];

const isEncoderName = (name: string) => ENCODER_ROOTS.some((root) => name.startsWith(root));

// Returns a new map (same tensor objects) under canonical names. Names that are neither encoder nor prefixed
// encoder names (heads, MLM heads, anything unknown) pass through unchanged; the caller decides what it needs.
export function canonicalWeightNames(
  tensors: Map<string, NamedTensor>,
  modelType: ModelType,
): Map<string, NamedTensor> {
  const prefix = `${modelType}.`;
  const out = new Map<string, NamedTensor>();
  const source = new Map<string, string>();
  for (const [name, tensor] of tensors) {
    let canonical = name;
    const bare = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    if (isEncoderName(bare))
      canonical = bare
        .replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight')
        .replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
    const previous = source.get(canonical);
    if (previous !== undefined) {
      throw new WeightsError(
        `checkpoint is ambiguous: "${previous}" and "${name}" are both the parameter "${canonical}"`,
      );
    }
    source.set(canonical, name);
    out.set(canonical, tensor);
  }
  return out;
}

// The inverse, for writing a Bert/RobertaForSequenceClassification checkpoint that transformers loads without
// renaming: encoder names get the model prefix, everything else is written as is. A pooler is kept if present
// (RobertaForSequenceClassification has none and will report it as unused, which is harmless).
export function hfCheckpointNames(tensors: Map<string, NamedTensor>, modelType: ModelType): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [name, tensor] of tensors) {
    const hfName = isEncoderName(name) ? `${modelType}.${name}` : name;
    if (out.has(hfName)) throw new WeightsError(`two parameters would both be written as "${hfName}"`);
    out.set(hfName, tensor);
  }
  return out;
}

export interface ExpectedWeight {
  name: string;
  shape: number[];
  optional?: boolean; // the pooler: BertForSequenceClassification has one, RoBERTa's and sentence-transformers' may not
}

// Every BertModel/RobertaModel parameter, in named_parameters() order. Linear weights are [out, in].
export function expectedEncoderWeights(c: ModelConfig): ExpectedWeight[] {
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const list: ExpectedWeight[] = [
    { name: 'embeddings.word_embeddings.weight', shape: [c.vocabSize, H] },
    { name: 'embeddings.position_embeddings.weight', shape: [c.maxPositionEmbeddings, H] },
    { name: 'embeddings.token_type_embeddings.weight', shape: [c.typeVocabSize, H] },
    { name: 'embeddings.LayerNorm.weight', shape: [H] },
    { name: 'embeddings.LayerNorm.bias', shape: [H] },
  ];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}.`;
    for (const proj of ['query', 'key', 'value']) {
      list.push(
        { name: `${p}attention.self.${proj}.weight`, shape: [H, H] },
        { name: `${p}attention.self.${proj}.bias`, shape: [H] },
      );
    }
    list.push(
      { name: `${p}attention.output.dense.weight`, shape: [H, H] },
      { name: `${p}attention.output.dense.bias`, shape: [H] },
      { name: `${p}attention.output.LayerNorm.weight`, shape: [H] },
      { name: `${p}attention.output.LayerNorm.bias`, shape: [H] },
      { name: `${p}intermediate.dense.weight`, shape: [I, H] },
      { name: `${p}intermediate.dense.bias`, shape: [I] },
      { name: `${p}output.dense.weight`, shape: [H, I] },
      { name: `${p}output.dense.bias`, shape: [H] },
      { name: `${p}output.LayerNorm.weight`, shape: [H] },
      { name: `${p}output.LayerNorm.bias`, shape: [H] },
    );
  }
  list.push(
    { name: 'pooler.dense.weight', shape: [H, H], optional: true },
    { name: 'pooler.dense.bias', shape: [H], optional: true },
  );
  return list;
}

// Checks canonical-named tensors against the config and reports every missing or mis-shaped parameter at once
// (a wrong config usually breaks many, and the first alone rarely says why).
export function validateEncoderWeights(tensors: Map<string, NamedTensor>, c: ModelConfig): void {
  const problems: string[] = [];
  for (const w of expectedEncoderWeights(c)) {
    const t = tensors.get(w.name);
    if (t === undefined) {
      if (!w.optional) problems.push(`missing "${w.name}" [${w.shape.join(', ')}]`);
    } else if (!sameShape(t.shape, w.shape)) {
      problems.push(`"${w.name}" has shape [${t.shape.join(', ')}], config wants [${w.shape.join(', ')}]`);
    }
  }
  const pooler = ['pooler.dense.weight', 'pooler.dense.bias'].filter((n) => tensors.has(n));
  if (pooler.length === 1) problems.push(`"${pooler[0]}" comes without its pooler partner`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('; ');
    const more = problems.length > 10 ? `; and ${problems.length - 10} more` : '';
    throw new WeightsError(`weights do not match the ${c.modelType} config: ${shown}${more}`);
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
