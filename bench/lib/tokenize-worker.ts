// One child of bench/tokenize.ts: one library variant on one tokenizer. Reads the texts and the tokenizer files
// once, then for each pass (warm-up passes first) builds fresh tokenizer objects (untimed, after a GC when
// --expose-gc is on) and times tokenizing every text. Prints `RESULT <json>` on stdout.
//
//   node --expose-gc --import tsx bench/lib/tokenize-worker.ts --variant <name> --tokenizer <id>
//        [--warmup N] [--passes N] [--limit N]
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import {
  REPO_ROOT,
  RESULT_PREFIX,
  VARIANTS,
  loadDataset,
  median,
  readPackageVersion,
  tokenizerDir,
  type PassResult,
  type WorkerResult,
} from './tokenize-common.ts';
import { othersCoresDuring } from './infer-common.ts';

/** Tokenizes every text, writes len(input_ids) per text into `lengths`, returns their sum; with `seen` (the
 * untimed check pass only), hands it each text's input_ids. */
type RunPass = (texts: string[], lengths: Int32Array, seen?: SeenIds) => number | Promise<number>;
type SeenIds = (text: number, ids: ArrayLike<number | bigint>) => void;

interface Variant {
  version: string;
  /** Untimed: fresh tokenizer objects, so that no cache survives from one pass to the next. */
  build(): Promise<RunPass>;
}

const require = createRequire(import.meta.url);

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1]!;
  if (fallback === undefined) throw new Error(`missing --${name}`);
  return fallback;
}

function readModelFile(id: string, file: string): string {
  return fs.readFileSync(path.join(tokenizerDir(id), file), 'utf8');
}

/** tokenizer_config.json where the folder has one (falcon-7b's has none). */
function readConfigFile(id: string): string | null {
  const file = path.join(tokenizerDir(id), 'tokenizer_config.json');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

async function edgeclassVariant(id: string, batch: boolean): Promise<Variant> {
  const { TokenizerRegistry } = await import('../../src/core/tokenizers.ts');
  const { tokenize, resolveInputs } = await import('../../src/core/tokenize.ts');
  type ModelStore = import('../../src/store/model-store.ts').ModelStore;
  type ResolvedInput = { text: string; pair: string | null };
  // The two files, read from disk once; the store serves them from memory, so the registry builds exactly what
  // the API builds (Tokenizer.fromJson(JSON.parse(tokenizer.json)) plus the settings from tokenizer_config.json).
  const files = new Map<string, string>([['tokenizer.json', readModelFile(id, 'tokenizer.json')]]);
  const config = readConfigFile(id);
  if (config !== null) files.set('tokenizer_config.json', config);
  const encoder = new TextEncoder();
  const store: ModelStore = {
    async readText(modelId, file) {
      return modelId === id ? (files.get(file) ?? null) : null;
    },
    async readBytes(modelId, file) {
      const text = modelId === id ? files.get(file) : undefined;
      return text === undefined ? null : encoder.encode(text);
    },
    async list() {
      return [{ id, files: [...files.keys()] }];
    },
    howToProvide: '(in-memory benchmark store)',
  };
  let previous: unknown = null;
  return {
    version: `edgeclass ${readPackageVersionOfRepo()}`,
    async build() {
      const loaded = await new TokenizerRegistry(store).get(id);
      if (loaded.tokenizer === previous) throw new Error('edgeclass: tokenizer object survived between passes');
      previous = loaded.tokenizer;
      if (batch) {
        return (texts, lengths, seen) => {
          const result = tokenize(
            loaded,
            texts.map((t) => ({ text: t, pair: null })),
            {},
          );
          const rows = result.encodings;
          if (rows.length !== texts.length)
            throw new Error(`edgeclass batch: ${rows.length} rows for ${texts.length} texts`);
          let sum = 0;
          for (let i = 0; i < rows.length; i++) {
            const n = rows[i]!.input_ids.length;
            seen?.(i, rows[i]!.input_ids);
            lengths[i] = n;
            sum += n;
          }
          return sum;
        };
      }
      // The route's per-request path for `inputs: "<one text>"`. resolveInputs has returned either the items
      // array or `{ items, batch }` (the route then passes `batch` on); follow whichever shape is there.
      const probe = resolveInputs('probe') as unknown;
      if (!Array.isArray(probe)) {
        const resolve = resolveInputs as unknown as (t: string) => { items: ResolvedInput[]; batch: boolean };
        const call = tokenize as unknown as (
          l: typeof loaded,
          items: ResolvedInput[],
          o: object,
          batch: boolean,
        ) => { encodings: { input_ids: number[] }[] };
        return (texts, lengths, seen) => {
          let sum = 0;
          for (let i = 0; i < texts.length; i++) {
            const { items, batch } = resolve(texts[i]!);
            const rows = call(loaded, items, {}, batch).encodings;
            let n = 0;
            for (const row of rows) n += row.input_ids.length;
            seen?.(
              i,
              rows.flatMap((r) => r.input_ids),
            );
            lengths[i] = n;
            sum += n;
          }
          return sum;
        };
      }
      const resolveArray = resolveInputs as unknown as (t: string) => ResolvedInput[];
      return (texts, lengths, seen) => {
        let sum = 0;
        for (let i = 0; i < texts.length; i++) {
          const rows = tokenize(loaded, resolveArray(texts[i]!), {}).encodings;
          let n = 0;
          for (const row of rows) n += row.input_ids.length;
          seen?.(
            i,
            rows.flatMap((r) => r.input_ids),
          );
          lengths[i] = n;
          sum += n;
        }
        return sum;
      };
    },
  };
}

function readPackageVersionOfRepo(): string {
  try {
    return String(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

function rustVariant(id: string, batch: boolean): Variant {
  const { Tokenizer } = require('tokenizers') as typeof import('tokenizers');
  const file = path.join(tokenizerDir(id), 'tokenizer.json');
  let previous: unknown = null;
  return {
    version: `tokenizers ${readPackageVersion('tokenizers')}`,
    async build() {
      const tok = Tokenizer.fromFile(file);
      if (tok === previous) throw new Error('tokenizers: object survived between passes');
      previous = tok;
      if (batch) {
        return async (texts, lengths, seen) => {
          const encodings = await tok.encodeBatch(texts);
          if (encodings.length !== texts.length)
            throw new Error(`encodeBatch: ${encodings.length} encodings for ${texts.length} texts`);
          let sum = 0;
          for (let i = 0; i < encodings.length; i++) {
            const n = encodings[i]!.getIds().length;
            seen?.(i, encodings[i]!.getIds());
            lengths[i] = n;
            sum += n;
          }
          return sum;
        };
      }
      return async (texts, lengths, seen) => {
        let sum = 0;
        for (let i = 0; i < texts.length; i++) {
          const ids = (await tok.encode(texts[i]!)).getIds();
          const n = ids.length;
          seen?.(i, ids);
          lengths[i] = n;
          sum += n;
        }
        return sum;
      };
    },
  };
}

async function transformersVariant(id: string): Promise<Variant> {
  const transformers = (await import('@huggingface/transformers')) as unknown as Record<string, unknown>;
  const jsonText = readModelFile(id, 'tokenizer.json');
  const configText = readConfigFile(id) ?? '{}';
  let previous: unknown = null;
  return {
    version: `@huggingface/transformers ${readPackageVersion('@huggingface/transformers')}`,
    async build() {
      // What AutoTokenizer.from_pretrained does once it has the two files (its Hub-id check refuses folder names
      // such as 'Qwen--Qwen3-0.6B'): the class named by tokenizer_config.json, else PreTrainedTokenizer. A fresh
      // tokenizer per pass: new model and (BPE) cache objects.
      const config = JSON.parse(configText) as { tokenizer_class?: string };
      type TokenizerClass = new (json: unknown, config: unknown) => (text: string) => unknown;
      const name = config.tokenizer_class?.replace(/Fast$/, '') ?? 'PreTrainedTokenizer';
      const cls = (transformers[name] ?? transformers.PreTrainedTokenizer) as TokenizerClass;
      const tok = new cls(JSON.parse(jsonText), config);
      if (tok === previous) throw new Error('transformers.js: tokenizer survived between passes');
      previous = tok;
      return (texts, lengths, seen) => {
        let sum = 0;
        for (let i = 0; i < texts.length; i++) {
          const ids = (tok(texts[i]!) as { input_ids: { size: number; data: ArrayLike<number | bigint> } }).input_ids;
          const n = ids.size;
          seen?.(i, ids.data);
          lengths[i] = n;
          sum += n;
        }
        return sum;
      };
    },
  };
}

async function hfTokenizersVariant(id: string): Promise<Variant> {
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const jsonText = readModelFile(id, 'tokenizer.json');
  const configText = readConfigFile(id) ?? '{}';
  let previous: unknown = null;
  return {
    version: `@huggingface/tokenizers ${readPackageVersion('@huggingface/tokenizers')}`,
    async build() {
      const tok = new Tokenizer(JSON.parse(jsonText), JSON.parse(configText));
      if (tok === previous) throw new Error('@huggingface/tokenizers: object survived between passes');
      previous = tok;
      return (texts, lengths, seen) => {
        let sum = 0;
        for (let i = 0; i < texts.length; i++) {
          const ids = tok.encode(texts[i]!).ids;
          const n = ids.length;
          seen?.(i, ids);
          lengths[i] = n;
          sum += n;
        }
        return sum;
      };
    },
  };
}

async function makeVariant(name: string, id: string): Promise<Variant> {
  switch (name) {
    case 'edgeclass-per-text':
      return edgeclassVariant(id, false);
    case 'edgeclass-batch':
      return edgeclassVariant(id, true);
    case 'rust-encodeBatch':
      return rustVariant(id, true);
    case 'rust-encode':
      return rustVariant(id, false);
    case 'transformers.js':
      return transformersVariant(id);
    case 'hf-tokenizers.js':
      return hfTokenizersVariant(id);
    default:
      throw new Error(`unknown variant '${name}' (known: ${VARIANTS.map((v) => v.name).join(', ')})`);
  }
}

async function main(): Promise<void> {
  const variantName = arg('variant');
  const id = arg('tokenizer');
  const warmup = Number(arg('warmup', '1'));
  const passes = Number(arg('passes', '5'));
  const limitArg = arg('limit', 'all');
  const limit = limitArg === 'all' ? null : Number(limitArg);

  const { texts } = loadDataset(limit);
  const variant = await makeVariant(variantName, id);
  const gc = (globalThis as { gc?: () => void }).gc;
  const lengths = new Int32Array(texts.length);
  const constructMs: number[] = [];
  const warmupPasses: PassResult[] = [];
  const timed: PassResult[] = [];

  const onePass = async (p: number) => {
    const c0 = performance.now();
    const run = await variant.build();
    constructMs.push(performance.now() - c0);
    gc?.();
    const t0 = performance.now();
    const tokens = await run(texts, lengths);
    const ms = performance.now() - t0;
    const pass = { ms, tokens, tokensPerSec: tokens / (ms / 1000) };
    (p < warmup ? warmupPasses : timed).push(pass);
    process.stderr.write(
      `  ${variantName} ${id} ${p < warmup ? 'warm-up' : 'pass'} ${p < warmup ? p + 1 : p - warmup + 1}: ` +
        `${tokens} tokens in ${ms.toFixed(0)} ms = ${Math.round(pass.tokensPerSec)} tokens/s\n`,
    );
  };
  for (let p = 0; p < warmup; p++) await onePass(p);
  // The CPU other processes used while the passes were timed: a busy machine makes a ratio n/a (bench/tokenize.ts).
  const { others } = await othersCoresDuring(async () => {
    for (let p = warmup; p < warmup + passes; p++) await onePass(p);
  });
  // One more pass, untimed, for the ids themselves: a digest of each text's input_ids, compared across variants.
  const idDigests: string[] = new Array(texts.length).fill('');
  const check = await variant.build();
  await check(texts, new Int32Array(texts.length), (i, ids) => {
    idDigests[i] = createHash('sha256')
      .update(new Uint8Array(Int32Array.from(ids as ArrayLike<number>, Number).buffer))
      .digest('hex')
      .slice(0, 32);
  });
  const missing = idDigests.indexOf('');
  if (missing >= 0) throw new Error(`the check pass gave no ids for text #${missing + 1}`);
  const all = [...warmupPasses, ...timed];
  if (all.some((p) => p.tokens !== all[0]!.tokens)) {
    throw new Error(`token count changed between passes: ${all.map((p) => p.tokens).join(', ')}`);
  }
  const rates = timed.map((p) => p.tokensPerSec);
  const result: WorkerResult = {
    variant: variantName,
    tokenizer: id,
    libraryVersion: variant.version,
    texts: texts.length,
    warmup,
    constructMs,
    warmupPasses,
    passes: timed,
    tokensPerPass: all[0]!.tokens,
    medianTokensPerSec: median(rates),
    minTokensPerSec: Math.min(...rates),
    maxTokensPerSec: Math.max(...rates),
    lengths: Array.from(lengths),
    idDigests,
    othersCores: others,
    gcBetweenPasses: gc !== undefined,
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`tokenize-worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
