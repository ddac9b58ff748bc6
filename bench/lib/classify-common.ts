// Shared by bench/classify.ts and bench/load-classify.ts: the MiniLM-shaped models (random weights, made by
// init-model; a real MiniLM-L6 cannot be downloaded here), the ~32-token AG News texts, the labels.
import fs from 'node:fs';
import path from 'node:path';
import { TokenizerRegistry } from '../../src/core/tokenizers.ts';
import { initModel } from '../../src/nn/init-model.ts';
import { FsModelStore } from '../../src/store/fs-store.ts';
import { loadDataset, MODELS_DIR, REPO_ROOT } from './tokenize-common.ts';

export { MODELS_DIR, REPO_ROOT };

/** all-MiniLM-L6-v2's shape: 6 layers, hidden 384, 12 heads, intermediate 1536, bert-base-uncased's vocabulary. */
export const MINILM_SHAPE = { arch: 'bert' as const, layers: 6, hidden: 384, heads: 12, intermediate: 1536 };
export const EMBED_MODEL = 'minilm-embed';
export const NLI_MODEL = 'minilm-nli';
export const LABELS = ['world politics', 'sports', 'business', 'science and technology', 'entertainment'];
export const BENCH_MODELS_DIR = path.join(REPO_ROOT, 'bench', 'out', 'classify-models');

const SPECS = {
  [EMBED_MODEL]: { ...MINILM_SHAPE, seed: 1, sentenceTransformers: true, pooling: 'mean' as const, normalize: true },
  [NLI_MODEL]: { ...MINILM_SHAPE, seed: 2, labels: ['entailment', 'neutral', 'contradiction'] },
};

/** Makes (or reuses, when its spec is unchanged) the two models under bench/out/classify-models. */
export function ensureBenchModels(dir = BENCH_MODELS_DIR): string {
  for (const [id, spec] of Object.entries(SPECS)) {
    const out = path.join(dir, id);
    const marker = path.join(out, '.bench-spec.json');
    const wanted = JSON.stringify(spec);
    if (
      fs.existsSync(marker) &&
      fs.readFileSync(marker, 'utf8') === wanted &&
      fs.existsSync(path.join(out, 'onnx', 'model.onnx'))
    )
      continue;
    fs.rmSync(out, { recursive: true, force: true });
    initModel({ ...spec, tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'), out });
    // Serving reads the ONNX graph only; without the weights file the local R2 sync moves half the bytes.
    fs.rmSync(path.join(out, 'model.safetensors'));
    fs.writeFileSync(marker, wanted);
  }
  return dir;
}

export interface BenchTexts {
  texts: string[];
  meanTokens: number;
  description: string;
}

/**
 * AG News test texts of about 32 tokens: those whose bert-base-uncased encoding (special tokens included) has
 * 28 to 36 tokens, in file order.
 */
export async function selectTexts(count: number): Promise<BenchTexts> {
  const { texts } = loadDataset(null);
  const loaded = await new TokenizerRegistry(new FsModelStore(MODELS_DIR)).get('bert-base-uncased');
  const picked: string[] = [];
  let tokens = 0;
  for (const text of texts) {
    const n = loaded.tokenizer.encode(text).ids.length;
    if (n < 28 || n > 36) continue;
    picked.push(text);
    tokens += n;
    if (picked.length === count) break;
  }
  if (picked.length < count)
    throw new Error(`only ${picked.length} AG News texts have 28-36 tokens; asked for ${count}`);
  return {
    texts: picked,
    meanTokens: tokens / picked.length,
    description: `the first ${count} texts of ../shared/datasets/agnews/test.tsv (column 1) with 28-36 bert-base-uncased tokens (mean ${(tokens / picked.length).toFixed(1)})`,
  };
}
