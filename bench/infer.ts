// Inference latency: the exported feature-extraction graph of a MiniLM-L6-shaped BERT (6 layers, hidden 384, 12 heads,
// intermediate 1536, bert-base-uncased vocabulary) in onnxruntime-node and onnxruntime-web (WASM, in Node), against
// PyTorch running the same weights in the same run.
//
//   npx tsx bench/infer.ts [--quick] [--rounds N] [--keep]
//
// 1. initModel (seed 0, random weights) into a temp folder: config.json, model.safetensors, onnx/model.onnx (timed).
// 2. Cases: batch 1 x 32 tokens and batch 32 x 128 tokens; each row [CLS] + deterministic random ordinary vocabulary
//    ids + [SEP], attention_mask all ones, token_type_ids all zeros. The same ids go to every runtime.
// 3. Runners, each a persistent child process holding one session (bench/lib/infer-worker.ts, bench/infer_torch.py):
//    onnxruntime-node (graphOptimizationLevel 'all', intraOpNumThreads 2 and 1), onnxruntime-web (wasm, numThreads
//    1 and 2), PyTorch (Debian's /usr/bin/python3 with python3-torch, torch.set_num_threads 2 and 1, a hand-written
//    BertModel forward over model.safetensors under torch.inference_mode()).
// 4. Per case: warm-up runs for every runner, then rounds in which the runners take turns (so load from other processes
//    on this shared VM lands on all of them alike), each round after a short wait for the CPUs to be idle. Timed: one
//    forward (session.run / the torch forward), inputs made once. The CPU used by processes outside the benchmark is
//    read from /proc around every batch of runs; a batch during which they used < 0.3 cores is "quiet". More rounds
//    are run (within a time limit) until every runner has enough quiet runs. Figures: median, min and p90 of a
//    runner's quiet runs where it has enough of them, else of all its runs (marked "all" in the table).
// 5. Agreement: last_hidden_state of both cases from every runner against the reference (PyTorch 2 threads, else
//    onnxruntime-node 2 threads) within PARITY (below), on outputs that are not degenerate (finite, not constant, rows
//    that differ); any disagreement makes the run exit 1.
//
// Output ends with, and nothing after:
//   RATIO infer-1x32 <onnxruntime-node 2 threads median / PyTorch 2 threads median>
//   RATIO infer-32x128 <...>
// A number only when PyTorch ran in this run, both sides have enough quiet runs, and they agree; otherwise
// `RATIO infer-<case> n/a (<why>)` (without torch in /usr/bin/python3: n/a, never a figure from an earlier run).
//
// --quick: fewer rounds, no waiting (a smoke run). --rounds N: minimum rounds for both cases. --keep: keep the temp
// folder. --quiet-wait S: before each round wait up to S seconds (default 5) for other processes to leave the CPUs idle.
// Paths: EDGECLASS_MODELS_DIR (tokenizer folders; default ../shared/models).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initModel } from '../src/nn/init-model.ts';
import {
  MODEL_SHAPE,
  MODELS_DIR,
  QUIET_CORES,
  Runner,
  figures,
  fmt,
  makeCase,
  measure,
  pairMedians,
  probeTorch,
  readFloat32,
  tryStartRunner,
  type BenchCase,
  type MeasureLog,
  type Plan,
} from './lib/infer-common.ts';
import { degenerate, finishRatios, maxAbsDifference, ratioLine } from './lib/honest-ratio.ts';

/**
 * Largest |diff| of last_hidden_state allowed between two runtimes, relative to the largest |value| (at least 1):
 * float32 kernels that sum in different orders over 6 layers drift by ~1e-6 of the scale; a different computation
 * (a missing layer, another mask, another GELU) is off by far more than 1e-4.
 */
const PARITY = 1e-4;

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const keep = argv.includes('--keep');
const roundsArg = argv.indexOf('--rounds') >= 0 ? Number(argv[argv.indexOf('--rounds') + 1]) : null;
if (roundsArg !== null && (!Number.isInteger(roundsArg) || roundsArg < 1))
  throw new Error('--rounds wants a positive integer');
const quietArg = argv.indexOf('--quiet-wait') >= 0 ? Number(argv[argv.indexOf('--quiet-wait') + 1]) : null;
const quietMs = (quietArg ?? (quick ? 0 : 5)) * 1000;

const log = (s: string) => process.stderr.write(`${s}\n`);
const started = performance.now();

const tokenizerDir = path.join(MODELS_DIR, 'bert-base-uncased');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-bench-infer-'));
const modelDir = path.join(tmp, 'model');

const tInit = performance.now();
const made = initModel({ ...MODEL_SHAPE, tokenizerDir, out: modelDir });
const initMs = performance.now() - tInit;
const onnxBytes = fs.statSync(made.onnx).size;

const tokenizerJson = JSON.parse(fs.readFileSync(path.join(tokenizerDir, 'tokenizer.json'), 'utf8'));
const cases: BenchCase[] = [makeCase(tokenizerJson, 1, 32, 1), makeCase(tokenizerJson, 32, 128, 2)];
const casesFile = path.join(tmp, 'cases.json');
fs.writeFileSync(casesFile, JSON.stringify({ cases }));

// About 1.5 s per round for 1x32 and 12 s (idle machine) to 25 s (busy) per round for 32x128.
const plans: Plan[] = [
  {
    caseName: '1x32',
    warmup: 10,
    rounds: roundsArg ?? (quick ? 3 : 8),
    perRound: 10,
    maxRounds: quick ? 3 : 30,
    minQuiet: 30,
    deadlineMs: 45_000,
  },
  {
    caseName: '32x128',
    warmup: 1,
    rounds: roundsArg ?? (quick ? 2 : 5),
    perRound: 1,
    maxRounds: quick ? 2 : 12,
    minQuiet: 5,
    deadlineMs: 180_000,
  },
];

const torch = probeTorch();
const runners: Runner[] = [];
const notes: string[] = [];
async function tryStart(make: () => Runner, what: string): Promise<Runner | null> {
  log(`starting ${what}`);
  // One run of the small case: a runner that starts but cannot run (e.g. wasm threads) is reported, not fatal.
  const r = await tryStartRunner(make, what, notes, (started) => started.run('1x32', 1, false));
  if (r) runners.push(r);
  return r;
}

const node2 = await tryStart(
  () => Runner.ort('ort-node-2t', 'node', 2, made.onnx, casesFile),
  'onnxruntime-node 2 threads',
);
const node1 = await tryStart(
  () => Runner.ort('ort-node-1t', 'node', 1, made.onnx, casesFile),
  'onnxruntime-node 1 thread',
);
const web1 = await tryStart(() => Runner.ort('ort-web-1t', 'web', 1, made.onnx, casesFile), 'onnxruntime-web 1 thread');
const web2 = await tryStart(
  () => Runner.ort('ort-web-2t', 'web', 2, made.onnx, casesFile),
  'onnxruntime-web 2 threads',
);
let torch2: Runner | null = null;
let torch1: Runner | null = null;
if (torch.ok) {
  torch2 = await tryStart(() => Runner.torch('torch-2t', 2, modelDir, casesFile), 'PyTorch 2 threads');
  torch1 = await tryStart(() => Runner.torch('torch-1t', 1, modelDir, casesFile), 'PyTorch 1 thread');
} else {
  notes.push(`PyTorch: not measured: ${torch.reason}; no ratio against it (n/a)`);
}
const torchMissing = torch2
  ? null
  : `PyTorch not measured in this run: ${torch.ok ? notes.filter((n) => n.includes('PyTorch')).join('; ') || 'it did not start' : torch.reason}`;
if (!node2) throw new Error(`onnxruntime-node 2 threads could not run the model: ${notes.join('; ')}`);

const measureLogs = new Map<string, MeasureLog>();
// The large case first: quiet stretches on this shared VM are short, and a run is best started in one.
for (const plan of [...plans].reverse()) {
  log(`measuring ${plan.caseName}: ${plan.warmup} warm-up, ${plan.rounds} rounds x ${plan.perRound} runs per runner`);
  measureLogs.set(plan.caseName, await measure(runners, plan, log, quietMs));
}

// Agreement: every runner's last_hidden_state of both cases, kept for the report below.
const outputs = new Map<string, Float32Array>();
for (const r of runners) {
  for (const plan of plans) {
    const file = path.join(tmp, `${r.label}-${plan.caseName}.f32`);
    await r.request({ cmd: 'dump', case: plan.caseName, file });
    outputs.set(`${r.label} ${plan.caseName}`, readFloat32(file));
  }
}
for (const r of runners) await r.quit();

// ---- report ----
const totalS = (performance.now() - started) / 1000;
console.log(
  `inference latency: MiniLM-L6-shaped BERT (layers ${MODEL_SHAPE.layers}, hidden ${MODEL_SHAPE.hidden}, heads ${MODEL_SHAPE.heads}, ` +
    `intermediate ${MODEL_SHAPE.intermediate}, vocab ${made.config.vocabSize} from bert-base-uncased, random weights seed ${MODEL_SHAPE.seed})`,
);
console.log(`command: npx tsx bench/infer.ts ${argv.join(' ')}`.trimEnd());
console.log(
  `machine: ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}, Node ${process.version}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} at the end, ${totalS.toFixed(0)} s in all`,
);
console.log(`initModel + export: ${fmt(initMs)} ms (onnx/model.onnx ${(onnxBytes / 2 ** 20).toFixed(1)} MiB)`);
for (const r of runners) {
  console.log(
    `runner ${r.label}: ${r.ready.version}, ${r.ready.threads} thread(s), ` +
      `${r.ready.createMs !== undefined ? `session create ${fmt(r.ready.createMs)} ms, ` : ''}load ${fmt(r.ready.loadMs)} ms`,
  );
}
for (const n of notes) console.log(`note: ${n}`);
console.log('');
console.log("| case | runtime | threads | median ms | min | p90 | runs (quiet/all) | from | others' CPU |");
console.log('|---|---|---:|---:|---:|---:|---:|---|---:|');
for (const plan of plans) {
  for (const r of runners) {
    const { s, basis } = figures(r, plan);
    const others = r.othersMean(plan.caseName);
    console.log(
      `| ${plan.caseName} | ${r.runtime} | ${r.threads} | ${fmt(s.median)} | ${fmt(s.min)} | ${fmt(s.p90)} | ` +
        `${r.times(plan.caseName, 'quiet').length}/${r.times(plan.caseName).length} | ${basis} | ${others === null ? '?' : others.toFixed(2)} |`,
    );
  }
}
console.log('');
console.log(
  `from: the runs the figures come from: "quiet" = runs in batches during which processes outside this benchmark used < ${QUIET_CORES} cores, ` +
    `"all" = every timed run (too few quiet ones). others' CPU: mean cores those processes used while the runner was timed (2 = both cores).`,
);
for (const plan of plans) {
  const m = measureLogs.get(plan.caseName)!;
  console.log(
    `${plan.caseName}: ${plan.warmup} warm-up + ${m.rounds} rounds x ${plan.perRound} runs per runner (runners taking turns) in ${(m.ms / 1000).toFixed(0)} s; ` +
      `waited ${(m.waitedMs / 1000).toFixed(0)} s for idle CPUs before rounds, ${m.loudRounds} round(s) started busy`,
  );
}
console.log('');

const reference = torch2 ?? node2;
/** Per case: how the runners disagree with the reference (or why the outputs cannot tell), null when they agree. */
const disagreements: string[] = [];
const disagreementOf = new Map<string, string>();
for (const plan of plans) {
  const c = plan.caseName;
  const batch = cases.find((k) => k.name === c)!;
  const refOut = outputs.get(`${reference.label} ${c}`)!;
  let scale = 0;
  for (const x of refOut) scale = Math.max(scale, Math.abs(x));
  const flat = degenerate(refOut, batch.batch * batch.seq);
  const problems: string[] = flat ? [`${reference.label}'s ${c} output is degenerate (${flat})`] : [];
  for (const r of runners) {
    if (r === reference) continue;
    const diff = maxAbsDifference(outputs.get(`${r.label} ${c}`)!, refOut);
    const ok = diff <= PARITY * Math.max(1, scale);
    console.log(
      `agreement ${c} last_hidden_state: ${r.label} vs ${reference.label} max |diff| ${diff.toExponential(2)} (max |value| ${scale.toFixed(2)}, allowed ${(PARITY * Math.max(1, scale)).toExponential(2)}) ${ok ? 'ok' : 'DIFFERENT'}`,
    );
    if (!ok) problems.push(`${r.label} vs ${reference.label}: max |diff| ${diff.toExponential(2)}`);
  }
  if (problems.length) {
    disagreementOf.set(c, problems.join('; '));
    disagreements.push(`infer-${c}: ${problems.join('; ')}`);
  }
}

/** x / PyTorch (the runner `over`), on a common footing, with the footing named; n/a without it. */
function ratio(r: Runner, plan: Plan, over: Runner | null = torch2): string {
  if (!over) return `n/a (${torchMissing})`;
  const [a, b, basis] = pairMedians(r, over, plan);
  return `${(a / b).toFixed(3)} (${fmt(a)} / ${fmt(b)} ms, ${basis} runs)`;
}
console.log(
  `ratio basis: ${torch2 ? `PyTorch ${torch2.ready.version.replace('torch ', '')} 2 threads, measured in this run` : 'none (PyTorch not measured)'}; ` +
    'RATIO = onnxruntime-node 2 threads / PyTorch 2 threads (same thread count each side), quiet runs only',
);
for (const plan of plans) {
  const c = plan.caseName;
  console.log(`ratio node-2t infer-${c} ${ratio(node2, plan)}`);
  if (web1)
    console.log(
      `ratio web-1t infer-${c} ${ratio(web1, plan)} (onnxruntime-web 1 thread / PyTorch 2 threads, informational)`,
    );
  if (web2)
    console.log(
      `ratio web-2t infer-${c} ${ratio(web2, plan)} (onnxruntime-web 2 threads / PyTorch 2 threads, informational)`,
    );
  if (node1 && torch1)
    console.log(
      `ratio node-1t infer-${c} ${ratio(node1, plan, torch1)} (onnxruntime-node 1 thread / PyTorch 1 thread, informational)`,
    );
}
if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
else log(`kept ${tmp}`);
const ratioLines = plans.map((plan) => {
  const name = `infer-${plan.caseName}`;
  if (!torch2) return ratioLine(name, NaN, { missing: torchMissing, noisy: null, disagreement: null });
  const [a, b, basis] = pairMedians(node2, torch2, plan);
  return ratioLine(name, a / b, {
    missing: null,
    noisy:
      basis === 'quiet'
        ? null
        : `fewer than ${plan.minQuiet} quiet runs on a side (${node2.times(plan.caseName, 'quiet').length} and ${torch2.times(plan.caseName, 'quiet').length}): the machine was busy`,
    disagreement: disagreementOf.get(plan.caseName) ?? null,
  });
});
finishRatios(ratioLines, disagreements);
