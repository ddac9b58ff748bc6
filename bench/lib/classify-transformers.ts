// transformers.js' side of the classify benchmarks (bench/classify.ts, bench/lib/classify-levers.ts): its
// pipelines on the bench models, with onnxruntime-node at transformers.js' defaults.
//
// - nli: `pipeline('zero-shot-classification')(texts, labels)` (one run per pair).
// - embedding: `pipeline('feature-extraction')(texts, {pooling: 'mean', normalize: true})` + cosine with label
//   embeddings it computed once beforehand (cached, as edgeclass caches them) + softmax(20 cos): the same strategy.
import { LABELS } from './classify-common.ts';

export interface Ranked {
  labels: string[];
  scores: number[];
}
export type Classify = (texts: string[]) => Promise<Ranked[]>;

const EMBEDDING_TEMPLATE = 'This text is about {}.';

type Transformers = typeof import('@huggingface/transformers');

/** transformers.js reading models from `modelsDir` only. */
export async function loadTransformers(modelsDir: string): Promise<Transformers> {
  const transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.localModelPath = modelsDir;
  transformers.env.useFSCache = false;
  return transformers;
}

export async function transformersJsSide(
  transformers: Transformers,
  strategy: 'nli' | 'embedding',
  model: string,
): Promise<{ classify: Classify; dispose(): Promise<void> }> {
  if (strategy === 'nli') {
    const pipe = await transformers.pipeline('zero-shot-classification', model, { dtype: 'fp32' });
    const classify: Classify = async (texts) => (await pipe(texts, LABELS)) as unknown as Ranked[];
    return { classify, dispose: () => pipe.dispose() };
  }
  const extractor = await transformers.pipeline('feature-extraction', model, { dtype: 'fp32' });
  const labelVectors = (
    await extractor(
      LABELS.map((l) => EMBEDDING_TEMPLATE.replace('{}', l)),
      { pooling: 'mean', normalize: true },
    )
  ).tolist() as number[][];
  const classify: Classify = async (texts) => {
    const vectors = (await extractor(texts, { pooling: 'mean', normalize: true })).tolist() as number[][];
    return vectors.map((v) => {
      const logits = labelVectors.map((l) => 20 * l.reduce((s, x, i) => s + x * v[i], 0));
      const max = Math.max(...logits);
      const exps = logits.map((x) => Math.exp(x - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      const order = LABELS.map((_, i) => i).sort((a, b) => exps[b] - exps[a]);
      return { labels: order.map((i) => LABELS[i]), scores: order.map((i) => exps[i] / sum) };
    });
  };
  return { classify, dispose: () => extractor.dispose() };
}

/** Largest difference between two sides' scores for the same label. */
export function maxDiff(a: Ranked[], b: Ranked[]): number {
  let max = 0;
  a.forEach((r, i) =>
    r.labels.forEach(
      (label, j) => (max = Math.max(max, Math.abs(r.scores[j] - b[i].scores[b[i].labels.indexOf(label)]))),
    ),
  );
  return max;
}

/** One chunk of a workload (32 texts): one call of 32 texts, or 32 one-text calls in flight at once. */
export async function chunk(classify: Classify, texts: string[], workload: string): Promise<Ranked[]> {
  if (workload === 'batch32') return classify(texts);
  return Promise.all(texts.map(async (t) => (await classify([t]))[0]));
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
