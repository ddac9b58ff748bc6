// Where an edgeclass training step spends its time: runs one case's step graph (bench/lib/train-cases.ts) in
// onnxruntime-node with enableProfiling, parses ORT's JSON trace and aggregates the kernel time of the timed steps by
// part of the step (forward / backward / gradient casts + norm, told apart by the node's place in the graph
// buildStepGraph made; AdamW runs after the graph, timed on its own), by op type and element type, and for the tensors shaped like the word embeddings.
// Also: JS-side session.run time against ORT's own model_run time (the binding's share: wrapping the feeds and copying
// the gradients into JS buffers), and the cost of a plain copy of that many bytes.
//
//   npx tsx bench/lib/train-profile.ts [--case A] [--precision float64,float32[,float32-gemm]] [--warmup 2] [--steps 3]
//     [--json FILE]
//
// Sessions are made as createGraphSession makes them (cpu, graphOptimizationLevel 'all', 2 intra-op threads), plus
// profiling. Profiling adds a little time per kernel; read the shares, not the absolute figures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Graph } from '../../src/graph/graph.ts';
import { linearsAsGemm } from './gemm-linear.ts';
import type { GraphSession, HostTensor } from '../../src/train/session.ts';
import { buildCase, caseInputs, CASES, stepBytes, TrainState, VOCAB, type Precision } from './train-cases.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1]! : fallback;
const c = CASES[opt('case', 'A').toUpperCase() as 'A'];
if (!c) throw new Error('--case A|B|C');
// float32-gemm: the float32 backward with each linear layer's forward as one Gemm (bench/lib/gemm-linear.ts).
type Variant = Precision | 'float32-gemm';
const precisions = opt('precision', 'float64,float32').split(',') as Variant[];
const warmup = Number(opt('warmup', '2'));
const steps = Number(opt('steps', '3'));
const jsonOut = argv.indexOf('--json') >= 0 ? opt('json', '') : null;

type Phase = 'forward' | 'backward' | 'grad cast + norm' | 'ORT-made';
const PHASES: Phase[] = ['forward', 'backward', 'grad cast + norm', 'ORT-made'];

/** Node name -> part of the step, from the order buildStepGraph adds nodes in. */
function phases(graph: Graph, backwardNodes: number): Map<string, Phase> {
  const nodes = graph.nodes;
  // The forward (and the loss/logits outputs) is everything the loss and logits depend on; it is built first.
  const outs = new Set(graph.outputs.filter((v) => v.name === 'loss' || v.name === 'logits'));
  const needed = new Set(outs);
  const inForward = new Set<number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (nodes[i]!.outputs.some((o) => needed.has(o))) {
      inForward.add(i);
      for (const v of nodes[i]!.inputs) if (v) needed.add(v);
    }
  }
  let forwardEnd = 0;
  while (inForward.has(forwardEnd)) forwardEnd++;
  const backwardEnd = forwardEnd + backwardNodes;
  const out = new Map<string, Phase>();
  nodes.forEach((n, i) =>
    out.set(n.name, i < forwardEnd ? 'forward' : i < backwardEnd ? 'backward' : 'grad cast + norm'),
  );
  return out;
}

interface KernelEvent {
  name: string;
  dur: number;
  ts: number;
  args: {
    op_name?: string;
    input_type_shape?: Record<string, number[]>[];
    output_type_shape?: Record<string, number[]>[];
    mem_arena_held?: string;
  };
}
interface SessionEvent {
  name: string;
  dur: number;
  ts: number;
}

function wrap(session: ort.InferenceSession): GraphSession {
  const TYPE = (d: HostTensor['data']) =>
    d instanceof Float32Array
      ? 'float32'
      : d instanceof Float64Array
        ? 'float64'
        : d instanceof BigInt64Array
          ? 'int64'
          : 'uint8';
  const tensor = (t: HostTensor) => new ort.Tensor(TYPE(t.data) as 'float32', t.data as Float32Array, t.dims);
  return {
    // As src/train/session.ts runs it: outputs named in `into` written into those buffers (the trainer's gradients).
    async run(feeds, into) {
      const inputs: Record<string, ort.Tensor> = {};
      for (const [k, t] of Object.entries(feeds)) inputs[k] = tensor(t);
      const fetches: Record<string, ort.Tensor | null> = {};
      for (const n of session.outputNames) fetches[n] = into?.[n] ? tensor(into[n]) : null;
      const out = await session.run(inputs, fetches);
      const r: Record<string, HostTensor> = {};
      for (const [k, t] of Object.entries(out))
        r[k] = into?.[k] ?? { data: t.data as HostTensor['data'], dims: t.dims };
      return r;
    },
    release: () => session.release(),
  };
}

const ms = (us: number) => us / 1000;
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
const f1 = (x: number) => x.toFixed(1);
const report: Record<string, unknown> = {
  case: c.name,
  warmup,
  steps,
  machine: `${os.cpus()[0]?.model} x ${os.cpus().length}`,
  loadavg: os.loadavg(),
};

for (const precision of precisions) {
  let rewritten = 0;
  const built =
    precision === 'float32-gemm'
      ? buildCase(c, 'float32', (s) => (rewritten = linearsAsGemm(s.graph)))
      : buildCase(c, precision);
  const phaseOf = phases(built.step.graph, built.step.backwardNodes);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-train-profile-'));
  const session = await ort.InferenceSession.create(built.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    enableProfiling: true,
    profileFilePrefix: path.join(dir, 'trace'),
  });
  const state = new TrainState(c, built.step, built.weights, caseInputs(c));
  const gs = wrap(session);
  const timings = [];
  for (let i = 0; i < warmup + steps; i++) timings.push(await state.run(gs));
  const timed = timings.slice(warmup);
  session.endProfiling();
  await session.release();
  const file = fs.readdirSync(dir).find((f) => f.startsWith('trace'));
  if (!file) throw new Error(`no profile written under ${dir}`);
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ({ cat: string } & KernelEvent)[];
  fs.rmSync(dir, { recursive: true, force: true });
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts - b.ts)
    .slice(-steps) as SessionEvent[];
  const inRuns = (e: KernelEvent) => runs.some((r) => e.ts >= r.ts && e.ts <= r.ts + r.dur);
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && inRuns(e));
  const perStep = (us: number) => ms(us) / steps;

  const byPhase = new Map<Phase, number>();
  const byOp = new Map<string, { us: number; n: number }>();
  const byPhaseType = new Map<string, number>();
  const vocab = new Map<string, { us: number; ops: Set<string> }>();
  const byNode = new Map<string, { us: number; op: string; phase: Phase; shapes: string }>();
  let arenaPeak = 0;
  let unknown = 0;
  for (const e of kernels) {
    const node = e.name.slice(0, -'_kernel_time'.length);
    let phase = phaseOf.get(node);
    if (!phase) {
      // A node ORT made (fusion, layout transform): attribute it through an original name inside its name if any.
      const m = node.match(/[A-Za-z]+_\d+|[A-Za-z]+(?=\W|$)/g)?.find((x) => phaseOf.has(x));
      phase = m ? phaseOf.get(m)! : 'ORT-made';
      if (!m) unknown++;
    }
    const op = e.args.op_name ?? '?';
    const types = [...(e.args.input_type_shape ?? []), ...(e.args.output_type_shape ?? [])].flatMap((x) =>
      Object.keys(x),
    );
    const type = types.includes('double') ? 'float64' : types.includes('float') ? 'float32' : 'other';
    byPhase.set(phase, (byPhase.get(phase) ?? 0) + e.dur);
    const opKey = `${op} (${type})`;
    const o = byOp.get(opKey) ?? { us: 0, n: 0 };
    o.us += e.dur;
    o.n++;
    byOp.set(opKey, o);
    byPhaseType.set(`${phase}|${type}`, (byPhaseType.get(`${phase}|${type}`) ?? 0) + e.dur);
    const shapes = [...(e.args.input_type_shape ?? []), ...(e.args.output_type_shape ?? [])].flatMap((x) =>
      Object.values(x),
    );
    if (shapes.some((s) => s[0] === VOCAB)) {
      const v = vocab.get(phase) ?? { us: 0, ops: new Set<string>() };
      v.us += e.dur;
      v.ops.add(op);
      vocab.set(phase, v);
    }
    const bn = byNode.get(node) ?? { us: 0, op, phase, shapes: JSON.stringify(e.args.output_type_shape ?? []) };
    bn.us += e.dur;
    byNode.set(node, bn);
    arenaPeak = Math.max(arenaPeak, Number(e.args.mem_arena_held ?? 0));
  }
  const kernelTotal = kernels.reduce((s, e) => s + e.dur, 0);
  const modelRun = runs.reduce((s, r) => s + r.dur, 0);
  const jsRun = timed.reduce((s, t) => s + t.runMs, 0);
  const total = timed.reduce((s, t) => s + t.totalMs, 0);
  const mask = timed.reduce((s, t) => s + t.maskMs, 0);
  const update = timed.reduce((s, t) => s + t.updateMs, 0);

  // The binding's copy of the outputs into JS memory, approximated by copying that many bytes in JS.
  const sizes = built.step.trainable.map((n) => built.weights.get(n)!.data.length);
  const srcs = sizes.map((n) => new Float32Array(n).fill(1));
  const copyTimes: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    for (const s of srcs) new Float32Array(s); // new + copy, as fresh output buffers
    copyTimes.push(performance.now() - t);
  }
  const bytes = stepBytes(state);

  console.log('');
  console.log(
    `== case ${c.name} (${c.title}), backward ${precision}: ${steps} profiled steps after ${warmup} warm-up (load average ${os.loadavg()[0]!.toFixed(2)})`,
  );
  if (rewritten) console.log(`(${rewritten} nodes or layers rewritten by the ${precision} variant)`);
  console.log(
    `step (JS, whole) ${f1(total / steps)} ms = dropout masks ${f1(mask / steps)} + session.run ${f1(jsRun / steps)} + AdamW (host kernel) ${f1(update / steps)} + feeds ${f1((total - mask - jsRun - update) / steps)}`,
  );
  console.log(
    `session.run ${f1(jsRun / steps)} ms = ORT model_run ${f1(perStep(modelRun))} + binding (feeds in, ${(bytes.outputBytes / 2 ** 20).toFixed(0)} MiB of gradients written into the trainer's buffers) ${f1(jsRun / steps - perStep(modelRun))}`,
  );
  console.log(
    `  (a plain JS copy of the ${(bytes.outputBytes / 2 ** 20).toFixed(0)} MiB of gradients into fresh buffers: ${f1(Math.min(...copyTimes))} ms)`,
  );
  console.log(
    `model_run ${f1(perStep(modelRun))} ms: kernels ${f1(perStep(kernelTotal))} ms (${kernels.length / steps} kernel runs a step), executor overhead ${f1(perStep(modelRun - kernelTotal))} ms; ORT arena held at most ${(arenaPeak / 2 ** 20).toFixed(0)} MiB; ${unknown / steps} kernels a step not attributable`,
  );
  console.log('');
  console.log('| part | ms/step | share of kernels | float64 kernels ms | float32 kernels ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const p of PHASES) {
    const us = byPhase.get(p) ?? 0;
    if (!us) continue;
    console.log(
      `| ${p} | ${f1(perStep(us))} | ${pct(us, kernelTotal)} | ${f1(perStep(byPhaseType.get(`${p}|float64`) ?? 0))} | ${f1(perStep(byPhaseType.get(`${p}|float32`) ?? 0))} |`,
    );
  }
  console.log('');
  console.log(`word-embedding-shaped tensors ([${VOCAB}, ${c.hidden}]) in kernels:`);
  let vocabTotal = 0;
  for (const [p, v] of vocab) {
    vocabTotal += v.us;
    console.log(`  ${p}: ${f1(perStep(v.us))} ms/step (${[...v.ops].sort().join(', ')})`);
  }
  console.log(`  in all: ${f1(perStep(vocabTotal))} ms/step, ${pct(vocabTotal, kernelTotal)} of kernel time`);
  console.log('');
  console.log('| op (element type) | ms/step | share | kernel runs/step |');
  console.log('|---|---:|---:|---:|');
  const ops = [...byOp].sort((a, b) => b[1].us - a[1].us);
  for (const [k, v] of ops.slice(0, 18))
    console.log(`| ${k} | ${f1(perStep(v.us))} | ${pct(v.us, kernelTotal)} | ${v.n / steps} |`);
  const restUs = ops.slice(18).reduce((s, [, v]) => s + v.us, 0);
  console.log(`| (${ops.length - 18} more) | ${f1(perStep(restUs))} | ${pct(restUs, kernelTotal)} | |`);
  console.log('');
  console.log('slowest nodes:');
  for (const [n, v] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 12)) {
    console.log(`  ${n} ${v.op} [${v.phase}] ${f1(perStep(v.us))} ms/step -> ${v.shapes}`);
  }
  // The elementwise ops run hundreds of times a step: where their time goes, by part of the step and output shape.
  for (const op of ['Add', 'Mul']) {
    const groups = new Map<string, { us: number; n: number }>();
    for (const v of byNode.values()) {
      if (v.op !== op) continue;
      const key = `${v.phase} ${v.shapes}`;
      const gr = groups.get(key) ?? { us: 0, n: 0 };
      gr.us += v.us;
      gr.n++;
      groups.set(key, gr);
    }
    console.log(`${op} by part and output shape (ms/step, nodes):`);
    for (const [k, v] of [...groups].sort((a, b) => b[1].us - a[1].us).slice(0, 10))
      console.log(`  ${k}: ${f1(perStep(v.us))} ms, ${v.n} nodes`);
  }
  report[precision] = {
    stepMs: total / steps,
    maskMs: mask / steps,
    jsRunMs: jsRun / steps,
    modelRunMs: perStep(modelRun),
    kernelMs: perStep(kernelTotal),
    arenaPeakMiB: arenaPeak / 2 ** 20,
    copyYardstickMs: Math.min(...copyTimes),
    byPhaseMs: Object.fromEntries([...byPhase].map(([k, v]) => [k, perStep(v)])),
    byPhaseTypeMs: Object.fromEntries([...byPhaseType].map(([k, v]) => [k, perStep(v)])),
    vocabMs: Object.fromEntries([...vocab].map(([k, v]) => [k, perStep(v.us)])),
    byOpMs: Object.fromEntries(ops.map(([k, v]) => [k, perStep(v.us)])),
  };
}

if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(report, null, 2));
