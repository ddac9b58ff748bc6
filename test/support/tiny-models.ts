// Tiny random-weight models (2 layers, hidden 32) made by init-model with the real tokenizers: what the classify
// and embeddings tests, the workerd suite and the wrangler dev smoke test run. About 1.5 s for the set.
import fs from 'node:fs';
import path from 'node:path';
import { serializeGraph } from '../../src/graph/index.ts';
import type { ModelType } from '../../src/nn/config.ts';
import { readModelFolder } from '../../src/nn/folder.ts';
import { initGpt2Model } from '../../src/nn/gpt2-init.ts';
import { exportLlama, initLlamaModel } from '../../src/nn/llama-folder.ts';
import { initModel, type InitModelOptions } from '../../src/nn/init-model.ts';
import { buildInferenceGraph } from '../../src/nn/model-graph.ts';
import { MODELS_DIR } from './paths.ts';

export const NLI_LABELS = ['entailment', 'neutral', 'contradiction'];
export const SENTIMENT_LABELS = ['negative', 'neutral', 'positive'];
export const TOPIC_LABELS = ['sports', 'politics', 'science', 'business'];

type Spec = Omit<InitModelOptions, 'tokenizerDir' | 'out' | 'layers' | 'hidden' | 'heads' | 'intermediate'>;

/** Model id -> how it is made. */
export const TINY_MODELS: Record<string, Spec> = {
  'tiny-embed': { arch: 'bert', seed: 11, std: 0.3, sentenceTransformers: true, pooling: 'mean', normalize: true },
  'tiny-embed-cls': { arch: 'roberta', seed: 12, std: 0.3, sentenceTransformers: true, pooling: 'cls' },
  'tiny-nli': { arch: 'bert', seed: 13, std: 0.3, labels: NLI_LABELS },
  'tiny-nli-roberta': { arch: 'roberta', seed: 14, std: 0.3, labels: NLI_LABELS },
  'tiny-cls': { arch: 'bert', seed: 15, std: 0.3, labels: SENTIMENT_LABELS },
  'tiny-multi': {
    arch: 'roberta',
    seed: 16,
    std: 0.3,
    labels: TOPIC_LABELS,
    problemType: 'multi_label_classification',
  },
  // The other encoder architectures, served by the same strategies (no token_type_ids; other tensor names).
  'tiny-nli-distilbert': { arch: 'distilbert', seed: 17, std: 0.3, labels: NLI_LABELS },
  'tiny-nli-xlmr': { arch: 'xlm-roberta', seed: 18, std: 0.3, labels: NLI_LABELS },
  'tiny-embed-distilbert': {
    arch: 'distilbert',
    seed: 19,
    std: 0.3,
    sentenceTransformers: true,
    pooling: 'mean',
    normalize: true,
  },
  'tiny-cls-xlmr': { arch: 'xlm-roberta', seed: 20, std: 0.3, labels: SENTIMENT_LABELS },
};

/** A tiny GPT-2 (the RoBERTa byte-level BPE as a GPT-2 tokenizer, 128 positions): strategy llm's local model. */
export const TINY_GPT2 = 'tiny-gpt2';

export function makeTinyGpt2(root: string, id = TINY_GPT2): string {
  return initGpt2Model({
    layers: 2,
    hidden: 32,
    heads: 4,
    positions: 128,
    tokenizerDir: tokenizerDirOf('roberta'),
    seed: 21,
    std: 0.3,
    out: path.join(root, id),
  }).dir;
}

/**
 * Tiny Llamas as `init-model --arch llama` makes them (grouped-query attention: 4 query heads over 2 key/value
 * heads), tied or untied, exported in the onnx-community layout with past_key_values (init-model's own export) or
 * re-exported by `export --task text-generation` without a cache.
 */
export const TINY_LLAMAS = {
  'tiny-llama-tied-past': { untied: false, withPast: true, seed: 22 },
  'tiny-llama-untied-past': { untied: true, withPast: true, seed: 23 },
  'tiny-llama-tied-nocache': { untied: false, withPast: false, seed: 24 },
  'tiny-llama-untied-nocache': { untied: true, withPast: false, seed: 25 },
} as const;
export type TinyLlamaId = keyof typeof TINY_LLAMAS;
/** The two served in workerd: between them tied and untied, with and without a cache. */
export const WORKERD_LLAMAS: TinyLlamaId[] = ['tiny-llama-untied-past', 'tiny-llama-tied-nocache'];

export function makeTinyLlama(root: string, id: TinyLlamaId): string {
  const spec = TINY_LLAMAS[id];
  const { dir } = initLlamaModel({
    layers: 2,
    hidden: 32,
    heads: 4,
    kvHeads: 2,
    intermediate: 48,
    untied: spec.untied,
    tokenizerDir: tokenizerDirOf('roberta'),
    seed: spec.seed,
    std: 0.3,
    out: path.join(root, id),
  });
  if (!spec.withPast) exportLlama(dir, { task: 'text-generation' });
  return dir;
}

/** A model that tokenizes but has no onnx/model.onnx. */
export const NO_ONNX_MODEL = 'tiny-no-onnx';
/** A model whose graph's vocabulary is cut to 1000 rows: any text with a token id above fails inside onnxruntime. */
export const BROKEN_MODEL = 'tiny-broken';
/** A model whose onnx/model.onnx is not ONNX at all: onnxruntime cannot load it. */
export const CORRUPT_MODEL = 'tiny-corrupt';

/** The real tokenizer a tiny model of `arch` uses (XLM-RoBERTa's own is not among ../shared/models: RoBERTa's BPE). */
export function tokenizerDirOf(arch: ModelType): string {
  return path.join(MODELS_DIR, arch === 'bert' || arch === 'distilbert' ? 'bert-base-uncased' : 'roberta-base');
}

export function makeTinyModel(root: string, id: string, spec: Spec = TINY_MODELS[id]): string {
  const out = path.join(root, id);
  initModel({
    layers: 2,
    hidden: 32,
    heads: 4,
    intermediate: 64,
    ...spec,
    tokenizerDir: tokenizerDirOf(spec.arch),
    out,
  });
  return out;
}

/** The models that fail in their own ways: no ONNX file, a run that fails in onnxruntime, bytes that are not ONNX. */
export function makeFailingModel(
  root: string,
  id: typeof NO_ONNX_MODEL | typeof BROKEN_MODEL | typeof CORRUPT_MODEL,
): string {
  const dir = makeTinyModel(root, id, { arch: 'bert', seed: 17, labels: SENTIMENT_LABELS });
  if (id === NO_ONNX_MODEL) {
    fs.rmSync(path.join(dir, 'onnx'), { recursive: true });
  } else if (id === BROKEN_MODEL) {
    const folder = readModelFolder(dir);
    const VOCAB = 1000;
    const table = folder.weights.get('embeddings.word_embeddings.weight')!;
    folder.weights.set('embeddings.word_embeddings.weight', {
      shape: [VOCAB, table.shape[1]],
      data: table.data.slice(0, VOCAB * table.shape[1]),
    });
    const graph = buildInferenceGraph(
      folder.weights,
      { ...folder.config, vocabSize: VOCAB },
      { task: 'sequence-classification' },
    );
    fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), serializeGraph(graph));
  } else {
    fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), 'this is not an ONNX model');
  }
  return dir;
}

/** Every tiny model, and the failing ones, under `root`. */
export function makeTinyModels(root: string): string {
  fs.mkdirSync(root, { recursive: true });
  for (const id of Object.keys(TINY_MODELS)) makeTinyModel(root, id);
  makeTinyGpt2(root);
  for (const id of WORKERD_LLAMAS) makeTinyLlama(root, id);
  for (const id of [NO_ONNX_MODEL, BROKEN_MODEL, CORRUPT_MODEL] as const) makeFailingModel(root, id);
  return root;
}

/** The e2e tests' base model to fine-tune: a 2-layer BERT with the bert-base-uncased tokenizer, seeded. */
export function makeTinyBaseBert(out: string, seed = 21): string {
  initModel({
    arch: 'bert',
    layers: 2,
    hidden: 32,
    heads: 4,
    intermediate: 64,
    tokenizerDir: tokenizerDirOf('bert'),
    seed,
    std: 0.3,
    out,
  });
  return out;
}
