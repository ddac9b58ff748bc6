// Shared by bench/tokenize.ts (the parent) and bench/lib/tokenize-worker.ts (one child per library variant and
// tokenizer): where the data lives, how the texts are read, which variants exist, what a child reports.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = (...p: string[]) => path.resolve(REPO_ROOT, '..', 'shared', ...p);

/** Tokenizer folders (Hugging Face layout: tokenizer.json, tokenizer_config.json). */
export const MODELS_DIR = path.resolve(process.env.EDGECLASS_MODELS_DIR ?? shared('models'));
export const DATASETS_DIR = path.resolve(process.env.EDGECLASS_DATASETS_DIR ?? shared('datasets'));
export const DATASET_FILE = path.join(DATASETS_DIR, 'agnews', 'test.tsv');

/** Tokenizer folders of the hub goldens (t5-small, Qwen3, Mistral, Falcon), beside their goldens. */
export const HUB_MODELS_DIR = path.resolve(
  process.env.EDGECLASS_TOKENIZE_HUB_GOLDEN_DIR ?? shared('golden', 'tokenize-hub'),
  'models',
);

export const TOKENIZERS = [
  'bert-base-uncased',
  'roberta-base',
  't5-small',
  'Qwen--Qwen3-0.6B',
  'mistralai--Mistral-7B-v0.1',
  'tiiuae--falcon-7b',
] as const;

/** The folder holding a tokenizer's files: the shared models, else the hub goldens' models. */
export function tokenizerDir(id: string): string {
  const own = path.join(MODELS_DIR, id);
  return fs.existsSync(path.join(own, 'tokenizer.json')) ? own : path.join(HUB_MODELS_DIR, id);
}

export interface VariantInfo {
  name: string;
  library: string;
  /** edgeclass itself, or an anchor it is compared with. */
  kind: 'edgeclass' | 'anchor';
  what: string;
}

export const VARIANTS: VariantInfo[] = [
  {
    name: 'edgeclass-per-text',
    library: 'edgeclass',
    kind: 'edgeclass',
    what: 'tokenize(loaded, resolveInputs(text), {}) per text (the API path for one text)',
  },
  {
    name: 'edgeclass-batch',
    library: 'edgeclass',
    kind: 'edgeclass',
    what: 'tokenize(loaded, all texts as one batch, {})',
  },
  {
    name: 'rust-encodeBatch',
    library: 'tokenizers (Rust, napi)',
    kind: 'anchor',
    what: 'await tok.encodeBatch(allTexts), then getIds() per encoding (Rust encodes in parallel on all cores)',
  },
  {
    name: 'rust-encode',
    library: 'tokenizers (Rust, napi)',
    kind: 'anchor',
    what: 'await tok.encode(text) per text, then getIds()',
  },
  {
    name: 'transformers.js',
    library: '@huggingface/transformers',
    kind: 'anchor',
    what: 'AutoTokenizer tokenizer(text) per text',
  },
  {
    name: 'hf-tokenizers.js',
    library: '@huggingface/tokenizers',
    kind: 'anchor',
    what: 'new Tokenizer(json, config).encode(text) per text',
  },
];

/** The variant whose per-text token counts the others are checked against: Hugging Face's Rust tokenizers. */
export const REFERENCE_VARIANT = 'rust-encodeBatch';

export interface Dataset {
  texts: string[];
  /** How the text was taken from the file, said in the output. */
  description: string;
}

/**
 * AG News test split as shipped in ../shared: 7,600 lines, no header, two tab-separated columns: the news text
 * (the article description; the title is not in this file) and the class name. The text column is used as is.
 */
export function loadDataset(limit: number | null): Dataset {
  const raw = fs.readFileSync(DATASET_FILE, 'utf8');
  const lines = raw.split('\n').filter((line) => line.length > 0);
  const texts = lines.map((line, i) => {
    const cols = line.split('\t');
    if (cols.length !== 2)
      throw new Error(`${DATASET_FILE}:${i + 1}: expected 2 tab-separated columns, found ${cols.length}`);
    return cols[0]!;
  });
  const taken = limit === null ? texts : texts.slice(0, limit);
  return {
    texts: taken,
    description:
      `${path.relative(REPO_ROOT, DATASET_FILE)}: ${taken.length} of ${texts.length} lines; column 1 (text = article description, ` +
      `no title column in this file; column 2 is the label), used verbatim`,
  };
}

export interface PassResult {
  ms: number;
  tokens: number;
  tokensPerSec: number;
}

/** What a child prints, as one line `RESULT <json>` on stdout. */
export interface WorkerResult {
  variant: string;
  tokenizer: string;
  libraryVersion: string;
  texts: number;
  warmup: number;
  /** Untimed construction of the fresh tokenizer objects, per pass (warm-up first). */
  constructMs: number[];
  warmupPasses: PassResult[];
  passes: PassResult[];
  tokensPerPass: number;
  medianTokensPerSec: number;
  minTokensPerSec: number;
  maxTokensPerSec: number;
  /** len(input_ids) per text (of the last pass), for checking variants against each other. */
  lengths: number[];
  /** Per text, the first 128 bits of SHA-256 over its input_ids (int32 LE), from an untimed pass after the timed
   * ones: variants are compared on the ids themselves, not their counts. */
  idDigests: string[];
  /** Cores' worth of CPU other processes used during the timed passes (null without /proc). */
  othersCores: number | null;
  gcBetweenPasses: boolean;
}

export const RESULT_PREFIX = 'RESULT ';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function readPackageVersion(name: string): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}
