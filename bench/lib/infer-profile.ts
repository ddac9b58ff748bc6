// Kernel-time profile of the exported model and of the graph variants of bench/lib/infer-graphs.ts in
// onnxruntime-node, robust to a busy machine: ONNX Runtime's profiler times every node in every run, and the figure
// per node is its MINIMUM over the runs (a node that ran once without being preempted gives its true time). The sum
// of those minimums estimates the forward time on an idle machine; per op type it shows where the time goes.
// Run by hand (not part of `npm run bench:infer`):
//
//   npx tsx bench/lib/infer-profile.ts [--threads 1,2] [--runs-small 40] [--runs-large 6] [--only export,mha,...]
//
// Graphs: 'export' (src's export), 'export no-skip-ln-fusion' (the same file with ORT's SkipLayerNormFusion turned
// off by the session config entry optimization.disable_specified_optimizers), and the variants below.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFolder } from '../../src/nn/folder.ts';
import { initModel } from '../../src/nn/init-model.ts';
import { buildVariant, VARIANTS } from './infer-graphs.ts';
import { MODEL_SHAPE, MODELS_DIR, fmt, makeCase, type BenchCase } from './infer-common.ts';

const argv = process.argv.slice(2);
const value = (name: string) => (argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const threadsList = (value('threads') ?? '1,2').split(',').map(Number);
const runsSmall = Number(value('runs-small') ?? 40);
const runsLarge = Number(value('runs-large') ?? 6);
const only = value('only')?.split(',');

const tokenizerDir = path.join(MODELS_DIR, 'bert-base-uncased');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-bench-profile-'));
const made = initModel({ ...MODEL_SHAPE, tokenizerDir, out: path.join(tmp, 'model') });
const tokenizerJson = JSON.parse(fs.readFileSync(path.join(tokenizerDir, 'tokenizer.json'), 'utf8'));
const cases: BenchCase[] = [makeCase(tokenizerJson, 1, 32, 1), makeCase(tokenizerJson, 32, 128, 2)];

// [name, file, extra session options]: the export as is, and with ORT's SkipLayerNormFusion turned off.
const NO_SKIP_LN = { extra: { optimization: { disable_specified_optimizers: 'SkipLayerNormFusion' } } };
const files: [string, string, Record<string, unknown>][] = [
  ['export', made.onnx, {}],
  ['export no-skip-ln-fusion', made.onnx, NO_SKIP_LN],
];
const folder = readModelFolder(path.join(tmp, 'model'));
for (const [name, linear, attention] of VARIANTS) {
  if (only && !only.includes(name)) continue;
  const file = path.join(tmp, `${name}.onnx`);
  fs.writeFileSync(file, buildVariant(folder, { linear, attention }));
  files.push([name, file, {}]);
}
for (const name of ['export no-skip-ln-fusion', 'export']) {
  if (only && !only.includes(name))
    files.splice(
      files.findIndex(([n]) => n === name),
      1,
    );
}

interface Profile {
  sumMin: number;
  medianRun: number;
  byOp: Map<string, number>;
}

async function profile(
  file: string,
  c: BenchCase,
  threads: number,
  runs: number,
  options: Record<string, unknown>,
): Promise<Profile> {
  const prefix = path.join(tmp, `prof-${process.hrtime.bigint()}`);
  const session = await ort.InferenceSession.create(file, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableProfiling: true,
    profileFilePrefix: prefix,
    ...options,
  } as ort.InferenceSession.SessionOptions);
  const dims = [c.batch, c.seq];
  const n = c.batch * c.seq;
  const feeds = {
    input_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from(c.input_ids, (x) => BigInt(x)),
      dims,
    ),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), dims),
  };
  await session.run(feeds); // warm-up (its events are skipped below: the first run of each node)
  for (let i = 0; i < runs; i++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  const produced = fs.readdirSync(tmp).filter((f) => path.join(tmp, f).startsWith(prefix));
  const events = JSON.parse(fs.readFileSync(path.join(tmp, produced[0]!), 'utf8')) as {
    cat: string;
    name: string;
    dur: number;
    args?: { op_name?: string };
  }[];
  for (const f of produced) fs.rmSync(path.join(tmp, f));
  const perNode = new Map<string, { op: string; durs: number[] }>();
  const runDurs: number[] = [];
  for (const e of events) {
    if (e.cat === 'Session' && e.name === 'model_run') runDurs.push(e.dur / 1000);
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const k = perNode.get(e.name) ?? { op: e.args?.op_name ?? '?', durs: [] };
    k.durs.push(e.dur / 1000);
    perNode.set(e.name, k);
  }
  const byOp = new Map<string, number>();
  let sumMin = 0;
  for (const { op, durs } of perNode.values()) {
    const m = Math.min(...durs.slice(1)); // skip the warm-up run
    sumMin += m;
    byOp.set(op, (byOp.get(op) ?? 0) + m);
  }
  const timed = runDurs.slice(1).sort((a, b) => a - b);
  return { sumMin, medianRun: timed[timed.length >> 1] ?? NaN, byOp };
}

console.log(
  `machine: ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} at the start`,
);
for (const c of cases) {
  for (const threads of threadsList) {
    const runs = c.batch === 1 ? runsSmall : runsLarge;
    console.log(`\n### ${c.name}, ${threads} thread(s), ${runs} profiled runs`);
    console.log('| graph | sum of per-node min ms | median run ms | top ops (per-node min, ms) |');
    console.log('|---|---:|---:|---|');
    for (const [name, file, options] of files) {
      process.stderr.write(`profiling ${name} ${c.name} ${threads}t\n`);
      const p = await profile(file, c, threads, runs, options);
      const top = [...p.byOp]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 7)
        .map(([op, ms]) => `${op} ${fmt(ms)}`)
        .join(', ');
      console.log(`| ${name} | ${fmt(p.sumMin)} | ${fmt(p.medianRun)} | ${top} |`);
    }
  }
}
console.log(
  `\nload average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} at the end`,
);
fs.rmSync(tmp, { recursive: true, force: true });
