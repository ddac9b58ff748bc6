// What each change to edgeclass's Node inference is worth, on bench:classify's models, texts and labels: edgeclass
// variants and transformers.js in one process, interleaved chunk by chunk (32 texts) with the order rotating, so
// all see the same load on a shared machine. Reports each variant's texts/s and its ratio to transformers.js (the
// median over rounds of the per-round ratios).
//
//   node --expose-gc --import tsx bench/lib/classify-levers.ts [--rounds 5] [--strategies nli,embedding]
//     [--workloads batch32] [--variants before,noskip,buckets,workers] [--overhead 16] [--settle 100]
//
// Variants (each its own sessions):
// - before: the code before this work: one session on the main thread, onnxruntime's default threads,
//   SkipLayerNormFusion on, one run at a time, runs never split by length.
// - noskip: before + SkipLayerNormFusion off.
// - buckets: noskip + a run's rows split by length where that saves more than --overhead padded tokens a run.
// - workers: buckets + 2 sessions of 1 thread in worker threads, the queue shared out over them (what ships).
// - workers-nobuckets, workers-2t: workers without the length split; 1 worker of 2 threads.
// - NAME@N: variant NAME with N padded tokens per run as the overhead (e.g. workers@64).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Classifier } from '../../src/core/classify/classifier.ts';
import { DEFAULT_LIMITS } from '../../src/core/limits.ts';
import { ModelRegistry } from '../../src/core/model-registry.ts';
import { TokenizerRegistry } from '../../src/core/tokenizers.ts';
import { BatchingRunner, DEFAULT_RUN_OVERHEAD_TOKENS } from '../../src/inference/batcher.ts';
import { createOrtNodeRuntime, type OrtNodeOptions } from '../../src/inference/ort-node.ts';
import { FsModelStore } from '../../src/store/fs-store.ts';
import { EMBED_MODEL, ensureBenchModels, LABELS, NLI_MODEL, selectTexts } from './classify-common.ts';
import {
  chunk,
  loadTransformers,
  maxDiff,
  median,
  transformersJsSide,
  type Classify,
  type Ranked,
} from './classify-transformers.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'nli-texts': { type: 'string', default: '64' },
    'embedding-texts': { type: 'string', default: '256' },
    workloads: { type: 'string', default: 'batch32' },
    strategies: { type: 'string', default: 'nli,embedding' },
    variants: { type: 'string', default: 'before,noskip,buckets,workers' },
    overhead: { type: 'string', default: String(DEFAULT_RUN_OVERHEAD_TOKENS) },
    settle: { type: 'string', default: '100' },
  },
});
// Untimed, before each chunk: the previous side's onnxruntime thread pool spins for ~35 ms after its last run.
const settle = () => new Promise((resolve) => setTimeout(resolve, Number(values.settle)));
const overhead = Number(values.overhead);
const FUSED = { extra: {} };

interface Variant {
  runtime: OrtNodeOptions;
  overheadTokens: number;
}
const VARIANTS: Record<string, Variant> = {
  before: { runtime: { sessionOptions: FUSED }, overheadTokens: Infinity },
  noskip: { runtime: {}, overheadTokens: Infinity },
  buckets: { runtime: {}, overheadTokens: overhead },
  workers: { runtime: { workers: 2, intraOpNumThreads: 1 }, overheadTokens: overhead },
  'workers-nobuckets': { runtime: { workers: 2, intraOpNumThreads: 1 }, overheadTokens: Infinity },
  'workers-2t': { runtime: { workers: 1, intraOpNumThreads: 2 }, overheadTokens: overhead },
};

const modelsDir = ensureBenchModels();
const transformers = await loadTransformers(modelsDir);
const store = new FsModelStore(modelsDir);
const tokenizers = new TokenizerRegistry(store);

function edgeclass(variant: Variant, strategy: 'nli' | 'embedding'): Classify {
  const models = new ModelRegistry({
    store,
    tokenizers,
    runtime: () => createOrtNodeRuntime(variant.runtime),
    runner: (session, spec) =>
      new BatchingRunner(session, spec, {
        maxInFlight: session.concurrentRuns ?? 1,
        runOverheadTokens: variant.overheadTokens,
      }),
  });
  const classifier = new Classifier(models, DEFAULT_LIMITS);
  const model = strategy === 'nli' ? NLI_MODEL : EMBED_MODEL;
  return async (texts) => (await classifier.classify({ model, inputs: texts, labels: LABELS, strategy })).results;
}

const names = values.variants!.split(',');
/** `name@N`: the variant with N padded tokens as its per-run overhead. */
function variant(name: string): Variant {
  const [base, tokens] = name.split('@');
  const v = VARIANTS[base];
  if (!v) throw new Error(`unknown variant ${name}`);
  return tokens === undefined ? v : { ...v, overheadTokens: Number(tokens) };
}
for (const name of names) variant(name);
const sideNames = [...names, 'transformers.js'];
const lines: string[] = [];
for (const strategy of values.strategies!.split(',') as ('nli' | 'embedding')[]) {
  const { texts } = await selectTexts(Number(values[strategy === 'nli' ? 'nli-texts' : 'embedding-texts']));
  const other = await transformersJsSide(transformers, strategy, strategy === 'nli' ? NLI_MODEL : EMBED_MODEL);
  const sides: Record<string, Classify> = { 'transformers.js': other.classify };
  for (const name of names) sides[name] = edgeclass(variant(name), strategy);
  for (const workload of values.workloads!.split(',')) {
    const round = async (r: number) => {
      const seconds: Record<string, number> = Object.fromEntries(sideNames.map((s) => [s, 0]));
      const results: Record<string, Ranked[]> = Object.fromEntries(sideNames.map((s) => [s, []]));
      for (let i = 0, k = r; i < texts.length; i += 32, k++) {
        const part = texts.slice(i, i + 32);
        const order = sideNames.map((_, j) => sideNames[(j + k) % sideNames.length]);
        for (const side of order) {
          await settle();
          const start = performance.now();
          results[side].push(...(await chunk(sides[side], part, workload)));
          seconds[side] += (performance.now() - start) / 1000;
        }
      }
      return { results, rates: Object.fromEntries(sideNames.map((s) => [s, texts.length / seconds[s]])) };
    };
    const warm = await round(0);
    const diffs = names.map(
      (n) => `${n} ${maxDiff(warm.results[n], warm.results.before ?? warm.results[names[0]]).toExponential(1)}`,
    );
    console.error(
      `${strategy} ${workload}: max score diff against ${names[0]}: ${diffs.join(', ')}; against transformers.js: ${maxDiff(warm.results[names[names.length - 1]], warm.results['transformers.js']).toExponential(1)}`,
    );
    const rates: Record<string, number[]> = Object.fromEntries(sideNames.map((s) => [s, []]));
    const ratios: Record<string, number[]> = Object.fromEntries(names.map((s) => [s, []]));
    for (let r = 0; r < Number(values.rounds); r++) {
      (globalThis as { gc?: () => void }).gc?.();
      const { rates: rr } = await round(r);
      for (const s of sideNames) rates[s].push(rr[s]);
      for (const n of names) ratios[n].push(rr[n] / rr['transformers.js']);
      console.error(
        `  ${strategy} ${workload} round ${r + 1}: ${sideNames.map((s) => `${s} ${rr[s].toFixed(1)}`).join(', ')} texts/s; ratios ${names.map((n) => (rr[n] / rr['transformers.js']).toFixed(2)).join(' ')} (load ${os.loadavg()[0].toFixed(1)})`,
      );
    }
    for (const n of names)
      lines.push(
        `| ${strategy} | ${workload} | ${n} | ${median(rates[n]).toFixed(1)} | ${median(rates['transformers.js']).toFixed(1)} | ${median(ratios[n]).toFixed(2)} | ${ratios[n].map((x) => x.toFixed(2)).join(' ')} |`,
      );
  }
  await other.dispose();
}
console.log(
  `${os.cpus().length} cores, node ${process.version}, ${values.rounds} rounds, overhead ${overhead} tokens, settle ${values.settle} ms, load average at the end ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(
  '| strategy | workload | variant | texts/s | transformers.js texts/s | ratio (median of rounds) | per-round ratios |',
);
console.log('|---|---|---|---:|---:|---:|---|');
for (const line of lines) console.log(line);
process.exit(0);
