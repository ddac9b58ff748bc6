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
// 5. Agreement: last_hidden_state of the 1x32 case, max |diff| between the runtimes.
//
// Output ends with, and nothing after:
//   RATIO infer-1x32 <onnxruntime-node 2 threads median / PyTorch 2 threads median>
//   RATIO infer-32x128 <...>
// Without torch in /usr/bin/python3 the denominators are the figures measured on this VM before (torch 1.13 CPU,
// 2 threads: 10 ms and 666 ms, the lower ends of 10-16 ms and 666-820 ms), and the output says so.
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
  maxAbsDiff,
  measure,
  pairMedians,
  probeTorch,
  readFloat32,
  tryStartRunner,
  type BenchCase,
  type MeasureLog,
  type Plan,
} from './lib/infer-common.ts';

/** torch 1.13 CPU, 2 threads, measured on this VM before this benchmark could run torch itself (lower ends). */
const REFERENCE_TORCH_MS: Record<string, number> = { '1x32': 10, '32x128': 666 };

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const keep = argv.includes('--keep');
const roundsArg = argv.indexOf('--rounds') >= 0 ? Number(argv[argv.indexOf('--rounds') + 1]) : null;
if (roundsArg !== null && (!Number.isInteger(roundsArg) || roundsArg < 1))
  throw new Error('--rounds wants a positive integer');
const quietArg = argv.indexOf('--quiet-wait') >= 0 ? Number(argv[argv.indexOf('--quiet-wait') + 1]) : null;
const quietMs = (quietArg ?? (quick ? 0 : 5)) * 1000;

const log = (s: string) => process.stderr.write(s + '\n');
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
  notes.push(
    `PyTorch: not measured: ${torch.reason}; ratios use the reference figures (torch 1.13 CPU, 2 threads: 1x32 ${REFERENCE_TORCH_MS['1x32']} ms, 32x128 ${REFERENCE_TORCH_MS['32x128']} ms)`,
  );
}
if (!node2) throw new Error(`onnxruntime-node 2 threads could not run the model: ${notes.join('; ')}`);

const measureLogs = new Map<string, MeasureLog>();
// The large case first: quiet stretches on this shared VM are short, and a run is best started in one.
for (const plan of [...plans].reverse()) {
  log(`measuring ${plan.caseName}: ${plan.warmup} warm-up, ${plan.rounds} rounds x ${plan.perRound} runs per runner`);
  measureLogs.set(plan.caseName, await measure(runners, plan, log, quietMs));
}

// Agreement on 1x32: every runner's last_hidden_state against the reference (torch 2 threads, else ort-node 2 threads).
const outputs = new Map<string, Float32Array>();
for (const r of runners) {
  const file = path.join(tmp, `${r.label}-1x32.f32`);
  await r.request({ cmd: 'dump', case: '1x32', file });
  outputs.set(r.label, readFloat32(file));
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
const refOut = outputs.get(reference.label)!;
let scale = 0;
for (const x of refOut) scale = Math.max(scale, Math.abs(x));
for (const r of runners) {
  if (r === reference) continue;
  console.log(
    `agreement 1x32 last_hidden_state: ${r.label} vs ${reference.label} max |diff| ${maxAbsDiff(outputs.get(r.label)!, refOut).toExponential(2)} (max |value| ${scale.toFixed(2)})`,
  );
}

/** x / PyTorch 2 threads (or the reference figure), on a common footing; with the footing named. */
function ratio(r: Runner, plan: Plan, over: Runner | null = torch2): string {
  if (!over) {
    const f = figures(r, plan);
    const ref = REFERENCE_TORCH_MS[plan.caseName]!;
    return `${(f.s.median / ref).toFixed(3)} (${fmt(f.s.median)} / ${ref} ms reference, ${f.basis} runs)`;
  }
  const [a, b, basis] = pairMedians(r, over, plan);
  return `${(a / b).toFixed(3)} (${fmt(a)} / ${fmt(b)} ms, ${basis} runs)`;
}
const basis = torch2
  ? `PyTorch ${torch2.ready.version.replace('torch ', '')} 2 threads, measured in this run`
  : 'reference figures (torch 1.13 CPU, 2 threads, lower end)';
console.log(
  `ratio basis: ${basis}; RATIO = onnxruntime-node 2 threads / PyTorch 2 threads (same thread count each side)`,
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
for (const plan of plans) {
  const value = torch2
    ? (() => {
        const [a, b] = pairMedians(node2, torch2, plan);
        return a / b;
      })()
    : figures(node2, plan).s.median / REFERENCE_TORCH_MS[plan.caseName]!;
  console.log(`RATIO infer-${plan.caseName} ${value.toFixed(3)}`);
}
