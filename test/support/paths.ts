// Where tests find shared data: environment variables first (so other goldens of the same format can be dropped
// in), else ../shared beside the checkout, as on our machines and in CI.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = (...p: string[]) => path.resolve(REPO_ROOT, '..', 'shared', ...p);

export const MODELS_DIR = path.resolve(process.env.EDGECLASS_MODELS_DIR ?? shared('models'));
export const TOKENIZE_GOLDEN_DIR = path.resolve(
  process.env.EDGECLASS_TOKENIZE_GOLDEN_DIR ?? shared('golden', 'tokenize'),
);
/** Hub-style model folders with a reference.json each (their README gives the semantics, check_serving.mjs judges). */
export const HUB_GOLDEN_DIR = path.resolve(process.env.EDGECLASS_HUB_GOLDEN_DIR ?? shared('golden', 'hub'));
/** Goldens of further Hub tokenizers; their tokenizer files are in its models/ folder. */
export const TOKENIZE_HUB_GOLDEN_DIR = path.resolve(
  process.env.EDGECLASS_TOKENIZE_HUB_GOLDEN_DIR ?? shared('golden', 'tokenize-hub'),
);
export const TEST_OUT_DIR = path.join(REPO_ROOT, 'test', 'out');
