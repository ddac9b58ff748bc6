// Tokenizer throughput: edgeclass against Hugging Face's tokenizers, on the 7,600 texts of AG News' test split.
//
//   npx tsx bench/tokenize.ts [--quick] [--warmup N] [--passes N] [--limit N|all]
//                             [--variants a,b,...] [--tokenizers a,b,...]
//
// One child process per (library variant, tokenizer), run one after another (bench/lib/tokenize-worker.ts). Each
// child does 2 warm-up passes (--warmup) then 5 timed passes (--passes); before every pass it builds fresh tokenizer
// objects (untimed), so no cache survives between passes. tokens = sum of len(input_ids) over the texts, special
// tokens included; the figure per variant is the median tokens/s of the timed passes. edgeclass produces what its
// API returns by default (input_ids, attention_mask, and token_type_ids where the model takes them).
//
// Anchors: Hugging Face's Rust tokenizers (npm `tokenizers`) as one encodeBatch over all texts and as a per-text
// encode loop, transformers.js AutoTokenizer per text, @huggingface/tokenizers per text.
//
// Output ends with one line per tokenizer, and nothing after them:
//   RATIO tokenize-<tokenizer> <best edgeclass variant / fastest anchor variant>
// A number only when both variants' timed passes ran on a quiet machine (other processes under QUIET_CORES) and
// every variant gave the reference's input_ids for every text (compared by digest, from an untimed pass); otherwise
// `n/a (<why>)`. Any variant whose ids differ makes the run exit 1.
//
// Tokenizers: bert-base-uncased and roberta-base (EDGECLASS_MODELS_DIR), and the hub goldens' t5-small, Qwen3,
// Mistral and Falcon (EDGECLASS_TOKENIZE_HUB_GOLDEN_DIR/models). Every variant is checked against the Rust
// reference text by text, on the ids themselves (a checksum per text), not only on their count.
//
// --quick: 1 warm-up, 3 passes, the first 1000 texts (a smoke run). Paths: EDGECLASS_MODELS_DIR (tokenizer folders),
// EDGECLASS_DATASETS_DIR (agnews/test.tsv); default ../shared/{models,datasets} beside the repository.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import {
  HUB_MODELS_DIR,
  MODELS_DIR,
  REFERENCE_VARIANT,
  REPO_ROOT,
  RESULT_PREFIX,
  TOKENIZERS,
  VARIANTS,
  loadDataset,
  median,
  type WorkerResult,
} from './lib/tokenize-common.ts';
import { finishRatios, naLine, ratioLine } from './lib/honest-ratio.ts';
import { QUIET_CORES } from './lib/infer-common.ts';

const WORKER = path.join(REPO_ROOT, 'bench', 'lib', 'tokenize-worker.ts');
const CHILD_TIMEOUT_MS = 10 * 60_000;
const RETRY_DELAY_MS = 15_000;

interface Options {
  warmup: number;
  passes: number;
  limit: number | null;
  variants: string[];
  tokenizers: string[];
  quick: boolean;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (name: string, fallback: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} wants a non-negative integer, got '${v}'`);
    return n;
  };
  const limitText = value('limit');
  const limit = limitText === undefined ? (quick ? 1000 : null) : limitText === 'all' ? null : int('limit', 0);
  const list = (name: string, all: readonly string[]): string[] => {
    const v = value(name);
    if (v === undefined) return [...all];
    const picked = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const p of picked)
      if (!all.includes(p)) throw new Error(`--${name}: unknown '${p}' (known: ${all.join(', ')})`);
    return picked;
  };
  const options = {
    // Two warm-up passes by default: with one, some JS libraries were still speeding up in the first timed passes.
    warmup: int('warmup', quick ? 1 : 2),
    passes: int('passes', quick ? 3 : 5),
    limit,
    variants: list(
      'variants',
      VARIANTS.map((v) => v.name),
    ),
    tokenizers: list('tokenizers', TOKENIZERS),
    quick,
  };
  if (options.passes < 1) throw new Error('--passes must be at least 1');
  return options;
}

interface ChildOutcome {
  result: WorkerResult | null;
  error: string | null;
}

function runChild(variant: string, tokenizer: string, o: Options): Promise<ChildOutcome> {
  const args = [
    '--expose-gc',
    '--import',
    'tsx',
    WORKER,
    '--variant',
    variant,
    '--tokenizer',
    tokenizer,
    '--warmup',
    String(o.warmup),
    '--passes',
    String(o.passes),
    '--limit',
    o.limit === null ? 'all' : String(o.limit),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      process.stdout.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) {
        resolve({ result: JSON.parse(line.slice(RESULT_PREFIX.length)) as WorkerResult, error: null });
      } else {
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        const tail = stderr.trim().split('\n').slice(-6).join(' | ');
        resolve({ result: null, error: `${why}${line ? '' : ', no RESULT line'}: ${tail}` });
      }
    });
  });
}

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dataset = loadDataset(o.limit);
  const cpus = os.cpus();
  const started = new Date();

  console.log('# edgeclass tokenizer throughput');
  console.log(`date: ${started.toISOString()}`);
  console.log(
    `machine: ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), ${os.platform()} ${os.arch()}, Node ${process.version}`,
  );
  console.log(`load average at start (1/5/15 min): ${loadavg()} (other processes on the machine skew the figures)`);
  console.log(`command: npx tsx bench/tokenize.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(`dataset: ${dataset.description}`);
  console.log(`models: ${MODELS_DIR} and ${HUB_MODELS_DIR}`);
  console.log(
    `per child: ${o.warmup} warm-up pass(es) + ${o.passes} timed passes over ${dataset.texts.length} texts; fresh tokenizer ` +
      'objects built (untimed) and a GC run (untimed) before every pass; tokens = sum of len(input_ids) incl. special tokens',
  );
  console.log('variants:');
  for (const v of VARIANTS.filter((v) => o.variants.includes(v.name)))
    console.log(`  ${v.name.padEnd(20)} ${v.library}: ${v.what}`);
  console.log('');

  const results = new Map<string, WorkerResult>();
  const errors = new Map<string, string>();
  const key = (variant: string, tokenizer: string) => `${variant}\u0000${tokenizer}`;
  for (const tokenizer of o.tokenizers) {
    for (const variant of o.variants) {
      console.log(`## ${variant} / ${tokenizer}`);
      let outcome = await runChild(variant, tokenizer, o);
      if (!outcome.result) {
        // The tree is edited concurrently; a half-written source file fails the import. One retry, a little later.
        console.log(`  failed (${outcome.error}); retrying in ${RETRY_DELAY_MS / 1000} s`);
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
        outcome = await runChild(variant, tokenizer, o);
      }
      if (outcome.result) results.set(key(variant, tokenizer), outcome.result);
      else {
        errors.set(key(variant, tokenizer), outcome.error!);
        console.log(`  FAILED: ${outcome.error}`);
      }
    }
  }
  console.log('');

  // Token counts: every variant against Hugging Face's Rust tokenizers, text by text.
  console.log(`## Token counts (per pass) and ids (per text), against ${REFERENCE_VARIANT}`);
  const countNotes = new Map<string, { delta: string; differing: string }>();
  for (const tokenizer of o.tokenizers) {
    const ref = results.get(key(REFERENCE_VARIANT, tokenizer));
    for (const variant of o.variants) {
      const r = results.get(key(variant, tokenizer));
      if (!r) continue;
      if (!ref) {
        countNotes.set(key(variant, tokenizer), { delta: 'n/a', differing: 'n/a' });
        continue;
      }
      const differing: number[] = [];
      // Exactness on ids: a text differs when its length or its ids' digest does.
      for (let i = 0; i < r.lengths.length; i++)
        if (r.lengths[i] !== ref.lengths[i] || r.idDigests[i] !== ref.idDigests[i]) differing.push(i);
      const delta = r.tokensPerPass - ref.tokensPerPass;
      countNotes.set(key(variant, tokenizer), {
        delta: delta === 0 ? '0' : delta > 0 ? `+${delta}` : String(delta),
        differing: String(differing.length),
      });
      const status =
        differing.length === 0
          ? 'same as reference'
          : `MISMATCH: ${differing.length} text(s) differ in ids, total ${delta > 0 ? '+' : ''}${delta}`;
      console.log(`  ${tokenizer.padEnd(18)} ${variant.padEnd(20)} ${String(r.tokensPerPass).padStart(9)}  ${status}`);
      for (const i of differing.slice(0, 3)) {
        const text = dataset.texts[i]!;
        console.log(
          `      text #${i + 1} (line ${i + 1}): ${r.lengths[i]} vs ${ref.lengths[i]} ids: ${JSON.stringify(text.length > 90 ? `${text.slice(0, 90)}...` : text)}`,
        );
      }
    }
  }
  console.log('');

  // The ids themselves: every variant against Hugging Face's Rust tokenizers, text by text (digests of input_ids).
  console.log(`## input_ids, against ${REFERENCE_VARIANT}`);
  const idsDiffer = new Map<string, string>();
  for (const tokenizer of o.tokenizers) {
    const ref = results.get(key(REFERENCE_VARIANT, tokenizer));
    for (const variant of o.variants) {
      const r = results.get(key(variant, tokenizer));
      if (!r || !ref || r === ref) continue;
      const differing: number[] = [];
      for (let i = 0; i < ref.idDigests.length; i++) if (r.idDigests[i] !== ref.idDigests[i]) differing.push(i);
      if (r.idDigests.length !== ref.idDigests.length || differing.length) {
        const why = `${variant} gives other input_ids than ${REFERENCE_VARIANT} for ${differing.length} of ${ref.idDigests.length} texts (first: text #${(differing[0] ?? 0) + 1})`;
        idsDiffer.set(tokenizer, [idsDiffer.get(tokenizer), why].filter(Boolean).join('; '));
        console.log(`  ${tokenizer.padEnd(18)} ${variant.padEnd(20)} MISMATCH: ${why}`);
      } else console.log(`  ${tokenizer.padEnd(18)} ${variant.padEnd(20)} same input_ids for every text`);
    }
  }
  console.log('');

  // The table.
  console.log('## Results (tokens/s: median of the timed passes; min/max of the same passes)');
  console.log('');
  console.log(
    '| tokenizer | variant | library | median tokens/s | min | max | tokens/pass | vs Rust ref | texts differing | build ms (median) |',
  );
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const tokenizer of o.tokenizers) {
    for (const variant of o.variants) {
      const r = results.get(key(variant, tokenizer));
      if (!r) {
        console.log(`| ${tokenizer} | ${variant} | FAILED | | | | | | | |`);
        continue;
      }
      const note = countNotes.get(key(variant, tokenizer))!;
      console.log(
        `| ${tokenizer} | ${variant} | ${r.libraryVersion} | ${fmtInt(r.medianTokensPerSec)} | ${fmtInt(r.minTokensPerSec)} | ` +
          `${fmtInt(r.maxTokensPerSec)} | ${fmtInt(r.tokensPerPass)} | ${note.delta} | ${note.differing} | ${median(r.constructMs).toFixed(0)} |`,
      );
    }
  }
  console.log('');
  for (const [k, e] of errors) console.log(`failed: ${k.replace('\u0000', ' / ')}: ${e}`);

  // RATIO lines, last.
  const ratioLines: string[] = [];
  const explain: string[] = [];
  const disagreements: string[] = [];
  for (const tokenizer of o.tokenizers) {
    const pick = (kind: 'edgeclass' | 'anchor') =>
      VARIANTS.filter((v) => v.kind === kind && o.variants.includes(v.name))
        .map((v) => results.get(key(v.name, tokenizer)))
        .filter((r): r is WorkerResult => r !== undefined)
        .sort((a, b) => b.medianTokensPerSec - a.medianTokensPerSec)[0];
    const best = pick('edgeclass');
    const anchor = pick('anchor');
    const name = `tokenize-${tokenizer}`;
    const differ = idsDiffer.get(tokenizer) ?? null;
    if (differ) disagreements.push(`${name}: ${differ}`);
    if (!best || !anchor) {
      explain.push(`ratio ${tokenizer}: n/a (${best ? 'no anchor result' : 'no edgeclass result'})`);
      ratioLines.push(naLine(name, best ? 'no anchor result in this run' : 'no edgeclass result in this run'));
      continue;
    }
    const ratio = best.medianTokensPerSec / anchor.medianTokensPerSec;
    const busy = [best, anchor].filter((r) => r.othersCores !== null && r.othersCores >= QUIET_CORES);
    const noisy = busy.length
      ? `other processes used ${busy.map((r) => `${r.othersCores!.toFixed(2)} cores during ${r.variant}`).join(' and ')} (quiet: < ${QUIET_CORES})`
      : null;
    const missingRef = results.has(key(REFERENCE_VARIANT, tokenizer))
      ? null
      : `no ${REFERENCE_VARIANT} result to check the ids against`;
    explain.push(
      `ratio ${tokenizer}: ${best.variant} ${fmtInt(best.medianTokensPerSec)} / ${anchor.variant} ${fmtInt(anchor.medianTokensPerSec)} tokens/s` +
        ` (others' CPU ${[best, anchor].map((r) => r.othersCores?.toFixed(2) ?? '?').join(' / ')} cores)`,
    );
    ratioLines.push(ratioLine(name, ratio, { missing: missingRef, noisy, disagreement: differ }));
  }
  for (const line of explain) console.log(line);
  console.log(`load average at end (1/5/15 min): ${loadavg()}`);
  console.log(`elapsed: ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
  finishRatios(ratioLines, disagreements);
  if (errors.size > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
