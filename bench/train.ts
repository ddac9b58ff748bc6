// Training-step latency: one optimizer step (forward, loss, backward, gradient clipping, AdamW) of edgeclass's trainer
// (the step graph in onnxruntime-node, then AdamW's host kernel) against PyTorch CPU on the same shapes, in the same run.
//
//   npm run bench:train            (= tsx bench/train.ts)
//   npx tsx bench/train.ts [--cases A,B,C] [--rounds N] [--quick] [--quiet-wait S] [--keep]
//                          [--ep cpu|webgpu|cuda] [--torch-device cpu|cuda] [--arena on|off]
//
// --arena off: edgeclass's sessions without onnxruntime's CPU memory arena (src/train/session.ts SessionTuning).
//
// --ep / --torch-device (bench/gpu-check.sh): edgeclass's step on that onnxruntime provider (float32 backward only:
// GPU providers have no float64 kernels) against PyTorch on that device; PyTorch's peak GPU memory is printed too.
//
// Cases (BERT, vocabulary 30522, 512 positions, 2 token types, 2 labels, edgeclass's 'project' head with cls pooling,
// cross-entropy, dropout 0.1 in train mode, clipping at global norm 1.0, AdamW with weight decay 0.01 except biases and
// LayerNorm weights):
//   A  4 layers, hidden 256, 4 heads, intermediate 1024, batch 16 x 128 tokens, full fine-tune
//   B  A with the embeddings and the first 2 layers frozen
//   C  bert-base shape (12 layers, hidden 768, 12 heads, intermediate 3072), batch 8 x 128 tokens, full fine-tune
// Inputs: [CLS] + deterministic random ordinary bert-base-uncased ids + [SEP], full attention, token type 0.
//
// Runners, each a persistent child process holding one case's state (so its peak RSS is its own):
//   edgeclass float32 backward  bench/lib/train-worker.ts: buildStepGraph with the default backwardPrecision (the
//                               trainer's default, float32), createGraphSession(cpu, 2 intra-op threads). One timed step =
//                               the trainer's feeds (weights, fresh dropout masks from keepMasks) + session.run (the
//                               gradients) + its optimizerStep (clipping, AdamW in place).
//   edgeclass float64 backward  the same with backwardPrecision 'float64' (informational).
//   PyTorch                     bench/train_torch.py in /usr/bin/python3, torch.set_num_threads(2): zero_grad +
//                               forward + loss.backward + clip_grad_norm_ + AdamW.step.
// Measuring as bench/infer.ts does (bench/lib/infer-common.ts measure()): warm-up steps per runner (2; 1 for C), then
// rounds in which the runners take turns, one step each (10 rounds for A and B, 5 for C, fewer where the warm-up says
// they would overrun the case's time budget), each round after a short wait (--quiet-wait, 3 s) for the CPUs to be
// idle; more rounds (within a deadline) while a runner has too few steps taken while other processes left the CPUs
// alone. Figures: median, min, max of a runner's quiet steps where it has enough of them, else of all its steps.
// Graph building, serialization and session creation are timed and printed apart, with each runner's peak RSS.
//
// Both sides computed the same thing: before timing a case, edgeclass (bench/lib/train-worker.ts --first-loss) builds
// it with dropout off, writes its initial weights to a safetensors file and takes one step; PyTorch loads those weights
// (--weights) and computes the loss of the same batch with dropout off. The two first-step losses must agree within
// LOSS_TOLERANCE, or the run exits 1. PyTorch then trains from those weights (its own dropout masks).
//
// Output ends with, and nothing after:
//   RATIO train-A <edgeclass (float32 backward, the default) median / PyTorch median>
//   RATIO train-B <...>
//   RATIO train-C <...>
// A number only when PyTorch ran in this run, both sides have enough quiet steps, and their first losses agree;
// otherwise `RATIO train-<case> n/a (<why>)` (without torch in /usr/bin/python3: n/a, never a figure from an earlier
// run).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  figures,
  fmt,
  isQuiet,
  measure,
  pairMedians,
  probeTorch,
  QUIET_CORES,
  Runner,
  stats,
  SYSTEM_PYTHON,
  tryStartRunner,
  type MeasureLog,
  type Plan,
} from './lib/infer-common.ts';
import { finishRatios, naLine, ratioLine } from './lib/honest-ratio.ts';
import { caseInputs, CASES, LEARNING_RATE, VOCAB, WEIGHT_DECAY, type TrainCase } from './lib/train-cases.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(HERE, 'lib', 'train-worker.ts');
const TORCH_SCRIPT = path.join(HERE, 'train_torch.py');

const argv = process.argv.slice(2);
const opt = (name: string) => (argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const quick = argv.includes('--quick');
const keep = argv.includes('--keep');
const caseNames = (opt('cases') ?? 'A,B,C').split(',').map((s) => s.trim().toUpperCase());
for (const n of caseNames) if (!(n in CASES)) throw new Error(`--cases: unknown case '${n}' (A, B, C)`);
const roundsArg = opt('rounds') === undefined ? null : Number(opt('rounds'));
if (roundsArg !== null && (!Number.isInteger(roundsArg) || roundsArg < 1))
  throw new Error('--rounds wants a positive integer');
const quietMs = Number(opt('quiet-wait') ?? (quick ? 0 : 3)) * 1000;
const ep = opt('ep') ?? 'cpu';
if (!['cpu', 'webgpu', 'cuda'].includes(ep)) throw new Error(`--ep: cpu, webgpu or cuda, not '${ep}'`);
const arena = opt('arena') ?? 'on';
if (!['on', 'off'].includes(arena)) throw new Error(`--arena: on or off, not '${arena}'`);
const torchDevice = opt('torch-device') ?? 'cpu';
if (!['cpu', 'cuda'].includes(torchDevice)) throw new Error(`--torch-device: cpu or cuda, not '${torchDevice}'`);

const log = (s: string) => process.stderr.write(`${s}\n`);
const started = performance.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-bench-train-'));

// Steps per runner on this VM, quiet to busy: A ~1-6 s, B ~0.3-3 s, C ~5-55 s (PyTorch's slow down most when other
// processes take the CPUs). Rounds: `rounds` at most, fewer when the warm-up steps say they would not fit the case's
// budget (never under minRounds); then more (up to maxRounds, within deadlineMs) while a runner has fewer than
// minQuiet steps taken on a quiet machine. Case C runs its runners one at a time ("solo", the budget split between
// them): an edgeclass step of the bert-base shape peaks at about 12 GiB of RSS, two of them do not fit beside PyTorch
// in this VM's 24 GiB. About 3 minutes on a quiet machine, 8 to 12 on a busy one.
type TrainPlan = Plan & { solo: boolean; minRounds: number; budgetMs: number };
const PLANS: Record<string, Omit<TrainPlan, 'caseName'>> = {
  A: {
    warmup: 2,
    rounds: roundsArg ?? (quick ? 2 : 10),
    minRounds: quick ? 2 : 4,
    budgetMs: 150_000,
    perRound: 1,
    maxRounds: quick ? 2 : Math.max(roundsArg ?? 0, 16),
    minQuiet: 6,
    deadlineMs: 150_000,
    solo: false,
  },
  B: {
    warmup: 2,
    rounds: roundsArg ?? (quick ? 2 : 10),
    minRounds: quick ? 2 : 4,
    budgetMs: 75_000,
    perRound: 1,
    maxRounds: quick ? 2 : Math.max(roundsArg ?? 0, 16),
    minQuiet: 6,
    deadlineMs: 75_000,
    solo: false,
  },
  C: {
    warmup: 1,
    rounds: roundsArg ?? (quick ? 1 : 5),
    minRounds: quick ? 1 : 3,
    budgetMs: 270_000,
    perRound: 1,
    maxRounds: quick ? 1 : Math.max(roundsArg ?? 0, 5),
    minQuiet: 3,
    deadlineMs: 0,
    solo: true,
  },
};

interface EdgeReady {
  createMs: number;
  initMs: number;
  buildMs: number;
  serializeMs: number;
  modelBytes: number;
  nodes: number;
  backwardNodes: number;
  trainableTensors: number;
  trainableParams: number;
  outputBytes: number;
  maskBytes: number;
  dropoutSites: number;
  rssAfterCreateMiB: number;
}
interface EdgeDump {
  steps: { totalMs: number; maskMs: number; runMs: number; loss: number }[];
  maxRssMiB: number;
}
interface TorchDump {
  losses: number[];
  maxRssMiB: number;
  /** --torch-device cuda: torch.cuda.max_memory_allocated. */
  maxGpuMiB?: number;
}

interface CaseResult {
  c: TrainCase;
  plan: TrainPlan;
  runners: Runner[];
  f64: Runner | null;
  f32: Runner | null;
  torch: Runner | null;
  dumps: Map<Runner, EdgeDump | TorchDump>;
  log: MeasureLog | null;
  notes: string[];
  /** The first-step losses from the same weights with dropout off, and how they disagree (null: they agree). */
  firstLoss: { edgeclass: number | null; torch: number | null; disagreement: string | null; unchecked: string | null };
}

/**
 * Largest difference allowed between the two first-step losses (about ln 2 = 0.69 here): the same float32 forward
 * from the same weights and batch differs by ~1e-6 between two libraries' kernels; another computation (a missing
 * layer, dropout left on, another pooling) by far more than 1e-4.
 */
const LOSS_TOLERANCE = 1e-4;

const torchProbe = probeTorch();
const notes: string[] = [];
if (!torchProbe.ok) notes.push(`PyTorch: not measured: ${torchProbe.reason}; no ratio against it (n/a)`);

/** edgeclass's first-step loss with dropout off; writes the initial weights it used to `weightsFile`. */
function edgeclassFirstLoss(c: TrainCase, weightsFile: string): number {
  const args = ['--import', 'tsx', WORKER, '--case', c.name, '--precision', 'float32', '--threads', '2', '--ep', ep];
  const r = spawnSync(process.execPath, [...args, '--first-loss', weightsFile], { encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout?.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !line.startsWith('{'))
    throw new Error(`edgeclass --first-loss failed (${r.status ?? r.signal}): ${(r.stderr ?? '').trim().slice(-500)}`);
  return (JSON.parse(line) as { loss: number }).loss;
}

async function tryStart(list: Runner[], caseNotes: string[], make: () => Runner, what: string): Promise<Runner | null> {
  log(`  starting ${what}`);
  const r = await tryStartRunner(make, what, caseNotes);
  if (r) list.push(r);
  return r;
}

const results: CaseResult[] = [];
for (const name of caseNames) {
  const c = CASES[name as 'A'];
  const plan: TrainPlan = { caseName: c.name, ...PLANS[c.name]! };
  log(`case ${c.name}: ${c.title}`);
  const inputs = caseInputs(c);
  const caseFile = path.join(tmp, `case-${c.name}.json`);
  fs.writeFileSync(
    caseFile,
    JSON.stringify({
      ...c,
      vocab: VOCAB,
      input_ids: inputs.inputIds,
      labels: inputs.labels,
      lr: LEARNING_RATE,
      weight_decay: WEIGHT_DECAY,
    }),
  );
  const runners: Runner[] = [];
  const caseNotes: string[] = [];
  const edge = (label: string, precision: string) => () =>
    new Runner(label, `edgeclass ${precision} backward`, 2, process.execPath, [
      '--import',
      'tsx',
      WORKER,
      '--case',
      c.name,
      '--precision',
      precision,
      '--threads',
      '2',
      '--ep',
      ep,
      '--arena',
      arena,
    ]);
  const makers: { make: () => Runner; what: string; slot: 'f64' | 'f32' | 'torch' }[] = [
    { make: edge(`edgeclass-f64-${c.name}`, 'float64'), what: 'edgeclass, float64 backward', slot: 'f64' },
    { make: edge(`edgeclass-f32-${c.name}`, 'float32'), what: 'edgeclass, float32 backward (default)', slot: 'f32' },
  ].filter((m) => ep === 'cpu' || m.slot === 'f32') as typeof makers;
  const firstLoss: CaseResult['firstLoss'] = {
    edgeclass: null,
    torch: null,
    disagreement: null,
    unchecked: torchProbe.ok ? null : 'PyTorch not measured',
  };
  const weightsFile = path.join(tmp, `weights-${c.name}.safetensors`);
  if (torchProbe.ok) {
    try {
      firstLoss.edgeclass = edgeclassFirstLoss(c, weightsFile);
    } catch (err) {
      firstLoss.unchecked = `edgeclass's first loss could not be computed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  if (torchProbe.ok && firstLoss.edgeclass !== null) {
    makers.push({
      make: () =>
        new Runner(`torch-${c.name}`, 'PyTorch', 2, SYSTEM_PYTHON, [
          TORCH_SCRIPT,
          '--case',
          caseFile,
          '--threads',
          '2',
          '--weights',
          weightsFile,
          '--device',
          torchDevice,
        ]),
      what: 'PyTorch 2 threads',
      slot: 'torch',
    });
  }
  const slots: Record<string, Runner | null> = { f64: null, f32: null, torch: null };
  const logs: MeasureLog[] = [];
  const dumps = new Map<Runner, EdgeDump | TorchDump>();
  /** Starts the runners one after the other (graph building and session creation are timed without a neighbour),
   *  measures them together (taking turns), and collects their step details. */
  const group = async (list: typeof makers) => {
    const live: Runner[] = [];
    for (const m of list) {
      const r = await tryStart(live, caseNotes, m.make, m.what);
      slots[m.slot] = r;
    }
    if (!live.length) return;
    runners.push(...live);
    const torch = slots.torch && live.includes(slots.torch) ? slots.torch : null;
    if (torch && firstLoss.edgeclass !== null) {
      // Before any step: PyTorch's loss at the weights edgeclass started from, dropout off.
      try {
        const theirs = (await torch.request({ cmd: 'first_loss' })).loss;
        firstLoss.torch = theirs ?? null;
        const diff = theirs === undefined ? NaN : Math.abs(theirs - firstLoss.edgeclass);
        log(`  first-step loss, dropout off: edgeclass ${firstLoss.edgeclass}, PyTorch ${theirs} (|diff| ${diff})`);
        if (!(diff <= LOSS_TOLERANCE))
          firstLoss.disagreement = `first-step loss from the same weights, dropout off: edgeclass ${firstLoss.edgeclass}, PyTorch ${theirs} (allowed |diff| ${LOSS_TOLERANCE})`;
      } catch (err) {
        firstLoss.unchecked = `PyTorch's first loss could not be computed: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    try {
      // Warm-up (untimed for the figures), then as many rounds as the budget allows.
      log(`  warming up ${live.map((r) => r.label).join(', ')}: ${plan.warmup} step(s) each`);
      let roundMs = 0;
      for (const r of live) {
        const { times } = await r.run(c.name, plan.warmup, false);
        roundMs += times.at(-1) ?? 0;
      }
      const budget = plan.solo ? plan.budgetMs / list.length : plan.budgetMs;
      const rounds = Math.max(plan.minRounds, Math.min(plan.rounds, Math.floor(budget / Math.max(roundMs, 1))));
      if (rounds < plan.rounds)
        caseNotes.push(
          `${live.map((r) => r.label).join(', ')}: ${rounds} rounds instead of ${plan.rounds} (last warm-up round took ${fmt(roundMs)} ms, budget ${fmt(budget / 1000)} s)`,
        );
      const p: Plan = { ...plan, warmup: 0, rounds, maxRounds: rounds < plan.rounds ? rounds : plan.maxRounds };
      log(`  measuring ${c.name} (${live.map((r) => r.label).join(', ')}): >= ${rounds} rounds of one step per runner`);
      logs.push(await measure(live, p, (s) => log(`  ${s.trim()}`), quietMs));
    } catch (err) {
      caseNotes.push(`measuring stopped: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const r of live) {
      const file = path.join(tmp, `${r.label}.json`);
      try {
        await r.request({ cmd: 'dump', case: c.name, file });
        dumps.set(r, JSON.parse(fs.readFileSync(file, 'utf8')));
      } catch (err) {
        caseNotes.push(`${r.label}: no step details (${err instanceof Error ? err.message : String(err)})`);
      }
      await r.quit();
    }
  };
  if (plan.solo) for (const m of makers) await group([m]);
  else await group(makers);
  const mlog: MeasureLog | null = logs.length
    ? logs.reduce((a, b) => ({
        rounds: a.rounds + b.rounds,
        waitedMs: a.waitedMs + b.waitedMs,
        loudRounds: a.loudRounds + b.loudRounds,
        ms: a.ms + b.ms,
      }))
    : null;
  const { f64, f32, torch } = slots;
  results.push({ c, plan, runners, f64, f32, torch, dumps, log: mlog, notes: caseNotes, firstLoss });
}

// ---- report ----
const ortVersion =
  results.flatMap((r) => r.runners).find((r) => r.runtime.startsWith('edgeclass'))?.ready.version ??
  'onnxruntime-node ?';
const torchVersion = results.flatMap((r) => r.runners).find((r) => r.runtime === 'PyTorch')?.ready.version;
const totalS = (performance.now() - started) / 1000;
console.log(
  `training step latency: edgeclass trainer step (graph in onnxruntime-node, ${ep}, 2 intra-op threads, memory arena ${arena}; AdamW on the host) vs PyTorch ${torchDevice} (2 threads)`,
);
console.log(`command: npx tsx bench/train.ts ${argv.join(' ')}`.trimEnd());
console.log(
  `machine: ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} at the end, ${totalS.toFixed(0)} s in all`,
);
console.log(
  `versions: edgeclass 0.1.0 (working tree), ${ortVersion}${torchVersion ? `, ${torchVersion} (${SYSTEM_PYTHON})` : ''}`,
);
for (const n of notes) console.log(`note: ${n}`);

const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
const median = (xs: number[]) => stats(xs).median;

for (const res of results) {
  const { c, plan } = res;
  console.log('');
  console.log(`case ${c.name}: ${c.title}`);
  for (const r of [res.f64, res.f32]) {
    if (!r) continue;
    const e = r.ready as unknown as EdgeReady;
    console.log(
      `  ${r.label}: init weights ${fmt(e.initMs)} ms, build graph ${fmt(e.buildMs)} ms (${e.nodes} nodes, ${e.backwardNodes} backward), ` +
        `serialize ${fmt(e.serializeMs)} ms (${(e.modelBytes / 2 ** 20).toFixed(1)} MiB), session create ${fmt(e.createMs)} ms; ` +
        `${e.trainableTensors} trainable tensors, ${(e.trainableParams / 1e6).toFixed(2)} M parameters; outputs ${(e.outputBytes / 2 ** 20).toFixed(0)} MiB a step, ` +
        `dropout masks ${(e.maskBytes / 2 ** 20).toFixed(1)} MiB a step (${e.dropoutSites} sites)`,
    );
  }
  if (res.torch) {
    const t = res.torch.ready as unknown as { loadMs: number; trainableTensors: number; trainableParams: number };
    console.log(
      `  ${res.torch.label}: setup ${fmt(t.loadMs)} ms; ${t.trainableTensors} trainable tensors, ${(t.trainableParams / 1e6).toFixed(2)} M parameters`,
    );
  }
  for (const n of res.notes) console.log(`  note: ${n}`);
  if (res.log) {
    console.log(
      `  ${plan.warmup} warm-up + ${res.log.rounds} rounds x ${plan.perRound} step per runner (${plan.solo ? 'one runner at a time' : 'runners taking turns'}) in ${(res.log.ms / 1000).toFixed(0)} s; ` +
        `waited ${(res.log.waitedMs / 1000).toFixed(0)} s for idle CPUs, ${res.log.loudRounds} round(s) started busy`,
    );
  }
  console.log('');
  console.log(
    "| case | runner | median ms | min | max | steps (quiet/all) | from | others' CPU | masks ms | session.run ms | AdamW + rest ms | peak RSS MiB | loss (first, last) |",
  );
  console.log('|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|');
  for (const r of res.runners) {
    const { s, basis } = figures(r, plan);
    const others = r.othersMean(c.name);
    const d = res.dumps.get(r);
    let masks = '-';
    let run = '-';
    let rest = '-';
    let losses: number[] = [];
    if (d && 'steps' in d) {
      // The worker's steps: the warm-up ones, then one per recorded batch; the parts of the steps the figures use.
      const quietFlags = (r.batches.get(c.name) ?? []).flatMap((b) => b.times.map(() => isQuiet(b)));
      const timed = d.steps.slice(plan.warmup).filter((_, i) => basis === 'all' || quietFlags[i]);
      masks = fmt(median(timed.map((x) => x.maskMs)));
      run = fmt(median(timed.map((x) => x.runMs)));
      rest = fmt(median(timed.map((x) => x.totalMs - x.runMs - x.maskMs)));
      losses = d.steps.map((x) => x.loss);
    } else if (d && 'losses' in d) {
      losses = d.losses;
    }
    const gpu = d && 'maxGpuMiB' in d && d.maxGpuMiB !== undefined ? ` (GPU ${d.maxGpuMiB.toFixed(0)})` : '';
    const peak = d ? `${d.maxRssMiB.toFixed(0)}${gpu}` : '-';
    const lossText = losses.length ? `${losses[0]!.toFixed(4)}, ${losses.at(-1)!.toFixed(4)}` : '-';
    console.log(
      `| ${c.name} | ${r.runtime} | ${fmt(s.median)} | ${fmt(s.min)} | ${fmt(max(r.times(c.name)))} | ${r.times(c.name, 'quiet').length}/${r.times(c.name).length} | ` +
        `${basis} | ${others === null ? '?' : others.toFixed(2)} | ${masks} | ${run} | ${rest} | ${peak} | ${lossText} |`,
    );
  }
}
console.log('');
console.log(
  `from: the steps the figures come from: "quiet" = steps during which processes outside this benchmark used < ${QUIET_CORES} cores, ` +
    `"all" = every timed step (too few quiet ones). others' CPU: mean cores other processes used while the runner was timed (2 = both). ` +
    `masks / session.run / rest: medians of the edgeclass step's parts (AdamW + rest = the host's clipping and AdamW kernel + building the feed objects). ` +
    `The loss moves with dropout and the updates; PyTorch starts from edgeclass's weights but draws its own dropout masks.`,
);
console.log('');

console.log(
  `ratio basis: ${torchProbe.ok ? `PyTorch ${torchVersion?.replace('torch ', '') ?? '?'} 2 threads, measured in this run` : 'none (PyTorch not measured)'}; ` +
    'RATIO = edgeclass (default float32 backward) / PyTorch, quiet steps only, goal <= 0.8',
);
const ratios: string[] = [];
const disagreements: string[] = [];
for (const res of results) {
  const { c, plan, firstLoss } = res;
  const name = `train-${c.name}`;
  if (firstLoss.edgeclass !== null || firstLoss.torch !== null)
    console.log(
      `agreement ${name}: first-step loss from the same weights, dropout off: edgeclass ${firstLoss.edgeclass ?? '-'}, PyTorch ${firstLoss.torch ?? '-'} ` +
        `${firstLoss.disagreement ? 'DIFFERENT' : firstLoss.unchecked ? `(unchecked: ${firstLoss.unchecked})` : `ok (allowed |diff| ${LOSS_TOLERANCE})`}`,
    );
  if (firstLoss.disagreement) disagreements.push(`${name}: ${firstLoss.disagreement}`);
  const ratioOf = (r: Runner | null): { value: number; text: string; basis: 'quiet' | 'all' | null } => {
    if (!r) return { value: NaN, text: 'not measured', basis: null };
    if (!res.torch)
      return {
        value: NaN,
        text: `n/a (PyTorch not measured: ${torchProbe.ok ? (firstLoss.unchecked ?? 'it did not start') : torchProbe.reason})`,
        basis: null,
      };
    const [a, b, basis] = pairMedians(r, res.torch, plan);
    return { value: a / b, text: `${(a / b).toFixed(3)} (${fmt(a)} / ${fmt(b)} ms, ${basis} steps)`, basis };
  };
  const d64 = ratioOf(res.f64);
  const d32 = ratioOf(res.f32);
  console.log(`ratio ${name} float32 backward (default): ${d32.text}`);
  console.log(`ratio ${name} float64 backward: ${d64.text} (informational)`);
  if (!res.torch) {
    ratios.push(
      naLine(
        name,
        `PyTorch not measured in this run: ${torchProbe.ok ? (firstLoss.unchecked ?? 'it did not start') : torchProbe.reason}`,
      ),
    );
    continue;
  }
  ratios.push(
    ratioLine(name, d32.value, {
      missing: res.f32
        ? firstLoss.torch === null
          ? (firstLoss.unchecked ?? 'PyTorch gave no first loss')
          : null
        : 'edgeclass (float32 backward) not measured',
      noisy:
        d32.basis === 'quiet'
          ? null
          : `fewer than ${plan.minQuiet} quiet steps on a side: other processes used the CPUs while steps were timed`,
      disagreement: firstLoss.disagreement,
    }),
  );
}
if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
else log(`kept ${tmp}`);
finishRatios(ratios, disagreements);
