// Requests whose answers must agree between runtimes: the Node app (onnxruntime-node) answers them in the workerd
// suite's globalSetup and in the wrangler dev smoke test, and the Worker's answers are compared within 1e-5.
// No Node imports: the comparison also runs inside workerd.

export interface InferenceCase {
  name: string;
  path: '/v1/embeddings' | '/v1/classify';
  body: Record<string, unknown>;
}

const TEXTS = [
  'The match ended in a draw after extra time.',
  'Stocks fell sharply as oil prices rose on Monday.',
  'A new telescope sees distant galaxies.',
  'Parliament votes on the budget next week, the minister said.',
];
const TOPICS = ['sports', 'business', 'science', 'politics', 'weather'];
const LONG = Array(300).fill('the quick brown fox jumps over the lazy dog').join(' ');

export const INFERENCE_CASES: InferenceCase[] = [
  {
    name: 'embeddings mean normalized (sentence-transformers)',
    path: '/v1/embeddings',
    body: { model: 'tiny-embed', input: TEXTS },
  },
  {
    name: 'embeddings cls raw (roberta)',
    path: '/v1/embeddings',
    body: { model: 'tiny-embed-cls', input: TEXTS, normalize: false },
  },
  {
    name: 'embeddings max pooling, 16 dimensions',
    path: '/v1/embeddings',
    body: { model: 'tiny-embed', input: TEXTS, pooling: 'max', dimensions: 16 },
  },
  {
    name: 'embeddings of a text over 512 tokens (truncated)',
    path: '/v1/embeddings',
    body: { model: 'tiny-embed', input: [LONG, 'short'] },
  },
  { name: 'nli single-label (bert)', path: '/v1/classify', body: { model: 'tiny-nli', inputs: TEXTS, labels: TOPICS } },
  {
    name: 'nli multi-label (roberta)',
    path: '/v1/classify',
    body: { model: 'tiny-nli-roberta', inputs: TEXTS, labels: TOPICS, strategy: 'nli', multi_label: true },
  },
  {
    name: 'nli long text keeps its hypothesis',
    path: '/v1/classify',
    body: { model: 'tiny-nli', inputs: [LONG], labels: TOPICS.slice(0, 2) },
  },
  {
    name: 'embedding zero-shot',
    path: '/v1/classify',
    body: { model: 'tiny-embed', inputs: TEXTS, labels: TOPICS, strategy: 'embedding' },
  },
  {
    name: 'embedding zero-shot multi-label',
    path: '/v1/classify',
    body: {
      model: 'tiny-embed-cls',
      inputs: TEXTS,
      labels: TOPICS,
      multi_label: true,
      temperature: 0.1,
      threshold: 0.8,
    },
  },
  { name: 'model softmax top_k 2', path: '/v1/classify', body: { model: 'tiny-cls', inputs: TEXTS, top_k: 2 } },
  {
    name: 'nli single-label (distilbert)',
    path: '/v1/classify',
    body: { model: 'tiny-nli-distilbert', inputs: TEXTS, labels: TOPICS },
  },
  {
    name: 'nli multi-label (xlm-roberta)',
    path: '/v1/classify',
    body: { model: 'tiny-nli-xlmr', inputs: TEXTS, labels: TOPICS, strategy: 'nli', multi_label: true },
  },
  {
    name: 'embeddings mean normalized (distilbert)',
    path: '/v1/embeddings',
    body: { model: 'tiny-embed-distilbert', input: TEXTS },
  },
  {
    name: 'embedding zero-shot (distilbert)',
    path: '/v1/classify',
    body: { model: 'tiny-embed-distilbert', inputs: TEXTS, labels: TOPICS, strategy: 'embedding' },
  },
  { name: 'model softmax (xlm-roberta)', path: '/v1/classify', body: { model: 'tiny-cls-xlmr', inputs: TEXTS } },
  { name: 'model multi-label', path: '/v1/classify', body: { model: 'tiny-multi', inputs: TEXTS } },
  {
    name: 'llm local single-label (gpt2)',
    path: '/v1/classify',
    body: { model: 'tiny-gpt2', inputs: TEXTS, labels: TOPICS, strategy: 'llm' },
  },
  {
    name: 'llm local multi-label top_k 3 (gpt2)',
    path: '/v1/classify',
    body: { model: 'tiny-gpt2', inputs: TEXTS, labels: TOPICS, multi_label: true, top_k: 3 },
  },
  // init-model --arch llama + export (test/classify-llama.test.ts checks the Node answers against the graph run directly).
  ...(['tiny-llama-untied-past', 'tiny-llama-tied-nocache'] as const).flatMap((model): InferenceCase[] => [
    {
      name: `llm local single-label (${model})`,
      path: '/v1/classify',
      body: { model, inputs: TEXTS, labels: TOPICS, strategy: 'llm' },
    },
    {
      name: `llm local multi-label (${model})`,
      path: '/v1/classify',
      body: { model, inputs: TEXTS, labels: TOPICS, strategy: 'llm', multi_label: true },
    },
  ]),
];

export interface CaseDiff {
  name: string;
  maxDiff: number;
  problem: string | null;
}

/** The largest difference between two answers to the same case, or what makes them incomparable. */
export function compareAnswers(c: InferenceCase, expected: any, actual: any): CaseDiff {
  let maxDiff = 0;
  const problem = (what: string): CaseDiff => ({ name: c.name, maxDiff: Infinity, problem: what });
  if (JSON.stringify(expected.usage) !== JSON.stringify(actual.usage))
    return problem(`usage ${JSON.stringify(actual.usage)} != ${JSON.stringify(expected.usage)}`);
  if (c.path === '/v1/embeddings') {
    if (expected.data.length !== actual.data.length) return problem('a different number of embeddings');
    expected.data.forEach((d: any, i: number) => {
      if (d.embedding.length !== actual.data[i].embedding.length) maxDiff = Infinity;
      d.embedding.forEach(
        (v: number, j: number) => (maxDiff = Math.max(maxDiff, Math.abs(v - actual.data[i].embedding[j]))),
      );
    });
    return { name: c.name, maxDiff, problem: null };
  }
  if (expected.strategy !== actual.strategy || expected.results.length !== actual.results.length)
    return problem('a different strategy or number of results');
  expected.results.forEach((r: any, i: number) => {
    const theirs = new Map<string, number>(
      actual.results[i].labels.map((l: string, j: number) => [l, actual.results[i].scores[j]]),
    );
    r.labels.forEach((label: string, j: number) => {
      const score = theirs.get(label);
      maxDiff = Math.max(maxDiff, score === undefined ? Infinity : Math.abs(score - r.scores[j]));
    });
  });
  return { name: c.name, maxDiff, problem: null };
}
