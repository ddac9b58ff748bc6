// Profiling companion of bench/infer.ts: which graph changes and ONNX Runtime session options make the exported
// MiniLM-L6-shaped model faster. Not part of `npm run bench:infer`; run by hand:
//
//   npx tsx bench/lib/infer-variants.ts [--rounds N] [--small-rounds N] [--only a,b] [--web a,b] [--no-torch]
//
// Builds the variants of bench/lib/infer-graphs.ts from the same initModel folder as bench/infer.ts (checking that
// each gives the same last_hidden_state as src's export on the 1x32 case), then measures, interleaved round by round:
// every variant in onnxruntime-node with 1 and 2 threads, some in onnxruntime-web (1 thread; --web), session-option
// runs of the src export at 2 threads, and PyTorch (2 threads) as the yardstick. Prints one table per case.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFolder } from '../../src/nn/folder.ts';
import { initModel } from '../../src/nn/init-model.ts';
import { buildVariant, VARIANTS } from './infer-graphs.ts';
import {
  MODEL_SHAPE,
  MODELS_DIR,
  Runner,
  fmt,
  makeCase,
  maxAbsDiff,
  measure,
  probeTorch,
  stats,
  type Plan,
} from './infer-common.ts';

const argv = process.argv.slice(2);
const value = (name: string) => (argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const log = (s: string) => process.stderr.write(`${s}\n`);

const tokenizerDir = path.join(MODELS_DIR, 'bert-base-uncased');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-bench-variants-'));
const modelDir = path.join(tmp, 'model');
const made = initModel({ ...MODEL_SHAPE, tokenizerDir, out: modelDir });
const tokenizerJson = JSON.parse(fs.readFileSync(path.join(tokenizerDir, 'tokenizer.json'), 'utf8'));
const cases = [makeCase(tokenizerJson, 1, 32, 1), makeCase(tokenizerJson, 32, 128, 2)];
const casesFile = path.join(tmp, 'cases.json');
fs.writeFileSync(casesFile, JSON.stringify({ cases }));

const only = value('only')?.split(',');
const files = new Map<string, string>([['export', made.onnx]]);
const folder = readModelFolder(modelDir);
for (const [name, linear, attention] of VARIANTS) {
  if (only && !only.includes(name)) continue;
  const file = path.join(tmp, `${name}.onnx`);
  fs.writeFileSync(file, buildVariant(folder, { linear, attention }));
  files.set(name, file);
}

// Agreement with the src export (1x32, onnxruntime-node, 1 thread).
async function forward(file: string): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  const c = cases[0]!;
  const dims = [c.batch, c.seq];
  const n = c.batch * c.seq;
  const out = await s.run({
    input_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from(c.input_ids, (x) => BigInt(x)),
      dims,
    ),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), dims),
  });
  await s.release();
  return out.last_hidden_state!.data as Float32Array;
}
const base = await forward(made.onnx);
const agreement: string[] = [];
for (const [name, file] of files)
  if (name !== 'export')
    agreement.push(`${name}: max |diff| vs export ${maxAbsDiff(await forward(file), base).toExponential(2)}`);

const runners: Runner[] = [];
const start = async (r: Runner) => {
  log(`starting ${r.label}`);
  runners.push(await r.start());
};
for (const [name, file] of files) {
  await start(Runner.ort(`${name} node-1t`, 'node', 1, file, casesFile));
  await start(Runner.ort(`${name} node-2t`, 'node', 2, file, casesFile));
}
const SESSION_OPTIONS: [string, Record<string, unknown>][] = [
  // ORT's CPU SkipLayerNormalization kernel is 3-4x slower than Add + LayerNormalization (bench/lib/infer-profile.ts).
  ['no-skip-ln-fusion', { extra: { optimization: { disable_specified_optimizers: 'SkipLayerNormFusion' } } }],
  ['no-spinning', { extra: { session: { intra_op: { allow_spinning: '0' } } } }],
  ['no-mem-arena', { enableCpuMemArena: false }],
  ['parallel-exec', { executionMode: 'parallel', interOpNumThreads: 2 }],
  ['level-extended', { graphOptimizationLevel: 'extended' }],
  ['level-basic', { graphOptimizationLevel: 'basic' }],
];
if (!argv.includes('--no-options')) {
  for (const [name, options] of SESSION_OPTIONS)
    await start(Runner.ort(`export ${name} node-2t`, 'node', 2, made.onnx, casesFile, options));
}
for (const name of (value('web') ?? 'export,mha,attention').split(',').filter((n) => files.has(n))) {
  await start(Runner.ort(`${name} web-1t`, 'web', 1, files.get(name)!, casesFile));
}
if (!argv.includes('--no-torch') && probeTorch().ok) await start(Runner.torch('torch-2t', 2, modelDir, casesFile));

const rounds = Number(value('rounds') ?? 3);
const plans: Plan[] = [
  {
    caseName: '1x32',
    warmup: 10,
    rounds: Number(value('small-rounds') ?? 5),
    perRound: 10,
    maxRounds: 20,
    minQuiet: 30,
    deadlineMs: 60_000,
  },
  { caseName: '32x128', warmup: 1, rounds, perRound: 1, maxRounds: rounds + 3, minQuiet: 3, deadlineMs: 300_000 },
];
for (const plan of plans) {
  log(`measuring ${plan.caseName}`);
  await measure(runners, plan, log);
}
for (const r of runners) await r.quit();
fs.rmSync(tmp, { recursive: true, force: true });

console.log(
  `machine: ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} at the end`,
);
for (const a of agreement) console.log(`agreement 1x32 ${a}`);
for (const r of runners)
  if (r.ready.createMs !== undefined) console.log(`create ${r.label}: ${fmt(r.ready.createMs)} ms`);
for (const plan of plans) {
  console.log(
    `\n| ${plan.caseName} runner | median ms (quiet runs) | min | p90 | quiet/all runs | median ms (all runs) | others' CPU |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of runners) {
    const q = stats(r.times(plan.caseName, 'quiet'));
    const a = stats(r.times(plan.caseName));
    console.log(
      `| ${r.label} | ${fmt(q.median)} | ${fmt(q.min)} | ${fmt(q.p90)} | ${q.n}/${a.n} | ${fmt(a.median)} | ${r.othersMean(plan.caseName)?.toFixed(2) ?? '?'} |`,
    );
  }
}
