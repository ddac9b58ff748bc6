// Parameter names. Checkpoints spell the encoder three ways: prefixed with the base model's attribute (`bert.`,
// `roberta.`, `distilbert.`: …ForSequenceClassification, …ForMaskedLM), bare (BertModel, sentence-transformers) and,
// in old TF-converted files, LayerNorm.gamma/beta. Inside edgeclass encoder parameters are always bare base-model
// names (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`,
// `transformer.layer.0.attention.q_lin.weight`, `pooler.dense.weight`); head parameters keep their own names
// (`classifier.*`, `classifier.dense.*`, `pre_classifier.*`, `project_head.classifier.*`). Each architecture's
// module (./arch/) gives its prefix, its base-model roots and its tensor names.

import { encoderArchitecture } from './arch/index.ts';
import type { EncoderArchitecture } from './arch/types.ts';
import type { ModelConfig, ModelType } from './config.ts';
import type { NamedTensor } from './safetensors.ts';

export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

const isEncoderName = (arch: EncoderArchitecture, name: string) => arch.baseRoots.some((root) => name.startsWith(root));

// Returns a new map (same tensor objects) under canonical names. Names that are neither encoder nor prefixed
// encoder names (heads, MLM heads, anything unknown) pass through unchanged; the caller decides what it needs.
export function canonicalWeightNames(
  tensors: Map<string, NamedTensor>,
  modelType: ModelType,
): Map<string, NamedTensor> {
  const arch = encoderArchitecture(modelType);
  const prefix = arch.checkpointPrefix;
  const out = new Map<string, NamedTensor>();
  const source = new Map<string, string>();
  for (const [name, tensor] of tensors) {
    let canonical = name;
    const bare = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    if (isEncoderName(arch, bare))
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

// The inverse, for writing a …ForSequenceClassification checkpoint that transformers loads without renaming:
// encoder names get the model prefix, everything else is written as is. A pooler is kept if present
// (RobertaForSequenceClassification has none and will report it as unused, which is harmless).
export function hfCheckpointNames(tensors: Map<string, NamedTensor>, modelType: ModelType): Map<string, NamedTensor> {
  const arch = encoderArchitecture(modelType);
  const out = new Map<string, NamedTensor>();
  for (const [name, tensor] of tensors) {
    const hfName = isEncoderName(arch, name) ? `${arch.checkpointPrefix}${name}` : name;
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

// Every base-model parameter, in named_parameters() order, from the architecture's names; its optional tensors
// (BERT's pooler) last. Linear weights are [out, in].
export function expectedEncoderWeights(c: ModelConfig): ExpectedWeight[] {
  const arch = encoderArchitecture(c.modelType);
  const n = arch.names;
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const list: ExpectedWeight[] = [
    { name: `${n.wordEmbeddings}.weight`, shape: [c.vocabSize, H] },
    { name: `${n.positionEmbeddings}.weight`, shape: [c.maxPositionEmbeddings, H] },
  ];
  if (n.tokenTypeEmbeddings !== null)
    list.push({ name: `${n.tokenTypeEmbeddings}.weight`, shape: [c.typeVocabSize, H] });
  list.push({ name: `${n.embeddingsNorm}.weight`, shape: [H] }, { name: `${n.embeddingsNorm}.bias`, shape: [H] });
  const linear = (name: string, out: number, inp: number) => [
    { name: `${name}.weight`, shape: [out, inp] },
    { name: `${name}.bias`, shape: [out] },
  ];
  const norm = (name: string) => [
    { name: `${name}.weight`, shape: [H] },
    { name: `${name}.bias`, shape: [H] },
  ];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `${n.layer(i)}.`;
    list.push(
      ...linear(p + n.query, H, H),
      ...linear(p + n.key, H, H),
      ...linear(p + n.value, H, H),
      ...linear(p + n.attentionOutput, H, H),
      ...norm(p + n.attentionNorm),
      ...linear(p + n.intermediate, I, H),
      ...linear(p + n.output, H, I),
      ...norm(p + n.outputNorm),
    );
  }
  for (const w of arch.optionalWeights(c)) list.push({ ...w, optional: true });
  return list;
}

/** The LayerNorm weights of an encoder (initialised to 1), from its architecture's names. */
export function layerNormWeights(c: ModelConfig): Set<string> {
  const n = encoderArchitecture(c.modelType).names;
  const names = [`${n.embeddingsNorm}.weight`];
  for (let i = 0; i < c.numHiddenLayers; i++)
    names.push(`${n.layer(i)}.${n.attentionNorm}.weight`, `${n.layer(i)}.${n.outputNorm}.weight`);
  return new Set(names);
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
  // Optional tensors come all or none (a pooler weight without its bias is a broken checkpoint).
  const optional = expectedEncoderWeights(c).filter((w) => w.optional);
  const present = optional.filter((w) => tensors.has(w.name));
  if (present.length > 0 && present.length < optional.length)
    problems.push(
      `"${present[0].name}" comes without its partner "${optional.find((w) => !tensors.has(w.name))!.name}"`,
    );
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('; ');
    const more = problems.length > 10 ? `; and ${problems.length - 10} more` : '';
    throw new WeightsError(`weights do not match the ${c.modelType} config: ${shown}${more}`);
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
