// Throughput of edgeclass's classify core against transformers.js' pipelines, in one Node process, on the same
// ONNX files (MiniLM-L6-shaped, random weights: bench/lib/classify-common.ts) and the same ~32-token AG News
// texts, 5 labels.
//
//   npm run bench:classify [-- --rounds 5 --nli-texts 64 --embedding-texts 256 --workloads batch32,concurrent32]
//
// Strategies:
// - nli: edgeclass `classifier.classify({strategy: 'nli'})` (every (text, label) pair of a call in batched runs)
//   vs transformers.js `pipeline('zero-shot-classification')(texts, labels)` (one run per pair).
// - embedding: edgeclass `classifier.classify({strategy: 'embedding'})` (label embeddings cached) vs
//   transformers.js `pipeline('feature-extraction')(texts, {pooling: 'mean', normalize: true})` + cosine with label
//   embeddings it computed once beforehand (cached as well) + softmax(20 cos), i.e. the same strategy.
// Workloads (the same texts for both sides):
// - batch32: calls of 32 texts, one after another. The headline RATIO.
// - concurrent32: 32 calls of one text in flight at once (a server's view); edgeclass merges them into runs.
// Each round runs the texts once on both sides, interleaved chunk by chunk (32 texts) with the first side
// alternating, so both see the same load on a shared machine; the figure is the median of the rounds' texts/s.
// Both sides use onnxruntime-node 1.30.0: transformers.js with its defaults (one session, onnxruntime's default
// intra-op threads), edgeclass with the defaults it ships (src/inference/ort-node.ts: sessions in worker threads,
// EDGECLASS_ORT_WORKERS x EDGECLASS_ORT_THREADS, which this bench leaves to the environment like the service does).
// The load average is printed per round.
//
// Before timing, both sides' scores for every text must agree within PARITY (the parity tests' tolerance) on outputs
// that are not degenerate (scores that vary with the text); otherwise the run exits 1. RATIO is a number only when
// the rounds ran on a quiet machine (other processes under QUIET_CORES while timed), else n/a with the reason.
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { AppDeps } from '../src/http/deps.ts';
import { inferenceSettingsFromEnv } from '../src/core/limits.ts';
import { ortParallelism } from '../src/inference/ort-node.ts';
import { createNodeDeps } from '../src/runtime/node.ts';
import { EMBED_MODEL, ensureBenchModels, LABELS, NLI_MODEL, selectTexts } from './lib/classify-common.ts';
import { degenerate, finishRatios, ratioLine } from './lib/honest-ratio.ts';
import { othersCoresDuring, QUIET_CORES } from './lib/infer-common.ts';
import {
  chunk,
  loadTransformers,
  maxDiff,
  median,
  transformersJsSide,
  type Classify,
  type Ranked,
} from './lib/classify-transformers.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'nli-texts': { type: 'string', default: '64' },
    'embedding-texts': { type: 'string', default: '256' },
    workloads: { type: 'string', default: 'batch32,concurrent32' },
    strategies: { type: 'string', default: 'nli,embedding' },
  },
});
const rounds = Number(values.rounds);
const workloads = values.workloads!.split(',');
const strategies = values.strategies!.split(',') as ('nli' | 'embedding')[];

type Side = 'edgeclass' | 'transformers.js';
const SIDES: Side[] = ['edgeclass', 'transformers.js'];

const modelsDir = ensureBenchModels();
const transformers = await loadTransformers(modelsDir);
const deps: AppDeps = createNodeDeps({ modelsDir, pull: { offline: true } });

async function sides(
  strategy: 'nli' | 'embedding',
): Promise<{ edgeclass: Classify; transformersJs: Classify; dispose(): Promise<void> }> {
  const model = strategy === 'nli' ? NLI_MODEL : EMBED_MODEL;
  const edgeclass: Classify = async (texts) =>
    (await deps.classifier.classify({ model, inputs: texts, labels: LABELS, strategy })).results;
  const other = await transformersJsSide(transformers, strategy, model);
  return { edgeclass, transformersJs: other.classify, dispose: other.dispose };
}

/**
 * One round over `texts`, the two sides interleaved chunk by chunk (which goes first alternates), so that both see
 * the same machine: this one is shared, and other work comes and goes within seconds. Returns each side's results
 * and texts/s over its own chunks' time.
 */
async function round(sides: Record<Side, Classify>, texts: string[], workload: string, r: number) {
  const results: Record<Side, Ranked[]> = { edgeclass: [], 'transformers.js': [] };
  const seconds: Record<Side, number> = { edgeclass: 0, 'transformers.js': 0 };
  for (let i = 0, k = r; i < texts.length; i += 32, k++) {
    const part = texts.slice(i, i + 32);
    for (const side of k % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      const start = performance.now();
      results[side].push(...(await chunk(sides[side], part, workload)));
      seconds[side] += (performance.now() - start) / 1000;
    }
  }
  return {
    results,
    rates: {
      edgeclass: texts.length / seconds.edgeclass,
      'transformers.js': texts.length / seconds['transformers.js'],
    },
  };
}

/** Largest score difference allowed between the sides (test/transformers-js-classify-parity.test.ts's tolerance). */
const PARITY = 1e-5;

/** Both sides' scores in one label order, text by text: [texts x labels] (NaN where a side lacks a label). */
function scoreMatrix(results: Ranked[]): number[] {
  return results.flatMap((r) => LABELS.map((l) => (r.labels.includes(l) ? r.scores[r.labels.indexOf(l)] : NaN)));
}

const rows: string[] = [];
const ratios: Record<string, { value: number; noisy: string | null; disagreement: string | null }> = {};
const disagreements: string[] = [];
for (const strategy of strategies) {
  const { texts, description } = await selectTexts(
    Number(values[strategy === 'nli' ? 'nli-texts' : 'embedding-texts']),
  );
  console.error(`${strategy}: ${description}`);
  const s = await sides(strategy);
  for (const workload of workloads) {
    // Warm-up (session loads, label embeddings, JIT), and the check that both sides agree.
    const warm = await round({ edgeclass: s.edgeclass, 'transformers.js': s.transformersJs }, texts, workload, 0);
    const name = `classify-${strategy}${workload === 'batch32' ? '' : `-${workload}`}`;
    const ours = scoreMatrix(warm.results.edgeclass);
    const theirs = scoreMatrix(warm.results['transformers.js']);
    const diff = ours.length === theirs.length ? maxDiff(warm.results.edgeclass, warm.results['transformers.js']) : NaN;
    const flat = degenerate(theirs, texts.length, 1e-4);
    const disagreement =
      !(diff <= PARITY) || ours.some((x) => Number.isNaN(x)) || theirs.some((x) => Number.isNaN(x))
        ? `max score difference ${diff} (allowed ${PARITY})`
        : flat
          ? `transformers.js' scores are degenerate (${flat}): agreement on them proves nothing`
          : null;
    console.error(
      `  ${name}: max score difference ${diff.toExponential(1)}${disagreement ? ` DISAGREE: ${disagreement}` : ''}`,
    );
    if (disagreement) disagreements.push(`${name}: ${disagreement}`);
    const rates: Record<Side, number[]> = { edgeclass: [], 'transformers.js': [] };
    const busy: number[] = [];
    for (let r = 0; r < rounds; r++) {
      (globalThis as { gc?: () => void }).gc?.();
      const { value: timed, others } = await othersCoresDuring(() =>
        round({ edgeclass: s.edgeclass, 'transformers.js': s.transformersJs }, texts, workload, r),
      );
      const rr = timed.rates;
      if (others !== null) busy.push(others);
      for (const side of SIDES) rates[side].push(rr[side]);
      console.error(
        `  ${strategy} ${workload} round ${r + 1}: edgeclass ${rr.edgeclass.toFixed(1)}, transformers.js ${rr['transformers.js'].toFixed(1)} texts/s (load ${os.loadavg()[0].toFixed(1)})`,
      );
    }
    const [a, b] = [median(rates.edgeclass), median(rates['transformers.js'])];
    const loud = busy.filter((x) => x >= QUIET_CORES).length;
    ratios[name] = {
      value: a / b,
      noisy: loud
        ? `${loud} of ${rounds} rounds ran while other processes used >= ${QUIET_CORES} cores (up to ${Math.max(...busy).toFixed(2)})`
        : null,
      disagreement,
    };
    rows.push(
      `| ${strategy} | ${workload} | ${texts.length} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)} | ${Math.min(...rates.edgeclass).toFixed(1)}-${Math.max(...rates.edgeclass).toFixed(1)} | ${Math.min(...rates['transformers.js']).toFixed(1)}-${Math.max(...rates['transformers.js']).toFixed(1)} | ${diff.toExponential(1)} |`,
    );
  }
  await s.dispose();
}

const ort = ortParallelism(inferenceSettingsFromEnv(process.env), os.availableParallelism());
console.log(
  `${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}, onnxruntime-node 1.30.0 (edgeclass: ${ort.workers} worker(s) x ${ort.threads} thread(s)), ${rounds} rounds, median texts/s; labels: ${LABELS.join(', ')}; load average at the end ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(
  '| strategy | workload | texts | edgeclass texts/s | transformers.js texts/s | ratio | edgeclass range | transformers.js range | max score diff |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
const names = Object.keys(ratios).sort(
  (a, b) => Number(!a.includes('-concurrent')) - Number(!b.includes('-concurrent')),
);
finishRatios(
  names.map((name) => ratioLine(name, ratios[name].value, { missing: null, ...ratios[name] })),
  disagreements,
);
