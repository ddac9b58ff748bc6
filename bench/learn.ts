// Learning on real data from random initialisation, through the CLI as a user runs it: a tiny BERT with the
// bert-base-uncased tokenizer trained on SST-2 (../shared/datasets/sst2/train.tsv), model selection on dev.tsv
// only, test.tsv evaluated once at the end. Prints the learning curve; the goal is >= 78% test accuracy within
// 15 minutes of wall time on this machine.
//
//   npx tsx bench/learn.ts [--epochs 3] [--batch-size 64] [--learning-rate 1e-3] [--hidden 128] [--layers 2]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const shared = (...p: string[]) => path.resolve(root, '..', 'shared', ...p);
const modelsDir = path.resolve(process.env.EDGECLASS_MODELS_DIR ?? shared('models'));
const sst2 = path.join(path.resolve(process.env.EDGECLASS_DATASETS_DIR ?? shared('datasets')), 'sst2');
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '64' },
    'learning-rate': { type: 'string', default: '1e-3' },
    hidden: { type: 'string', default: '128' },
    layers: { type: 'string', default: '2' },
    heads: { type: 'string', default: '2' },
    'max-length': { type: 'string', default: '64' },
    pooling: { type: 'string', default: 'mean' },
    seed: { type: 'string', default: '1' },
    'warmup-ratio': { type: 'string', default: '0.06' },
    'budget-minutes': { type: 'string', default: '15' },
  },
});
const cli = path.join(root, 'bin/edgeclass.mjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-learn-'));
const started = Date.now();
const hidden = Number(values.hidden);
const init = spawnSync(
  process.execPath,
  [
    cli,
    'init-model',
    '--arch',
    'bert',
    '--layers',
    values.layers!,
    '--hidden',
    values.hidden!,
    '--heads',
    values.heads!,
    '--intermediate',
    String(hidden * 4),
    '--tokenizer',
    path.join(modelsDir, 'bert-base-uncased'),
    '--seed',
    values.seed!,
    '--out',
    path.join(work, 'base'),
  ],
  { encoding: 'utf8' },
);
if (init.status !== 0) throw new Error(init.stderr);

const args = [
  cli,
  'train',
  '--base',
  path.join(work, 'base'),
  '--train',
  path.join(sst2, 'train.tsv'),
  '--validation',
  path.join(sst2, 'dev.tsv'),
  '--test',
  path.join(sst2, 'test.tsv'),
  '--out',
  path.join(work, 'out'),
  '--epochs',
  values.epochs!,
  '--batch-size',
  values['batch-size']!,
  '--learning-rate',
  values['learning-rate']!,
  '--max-length',
  values['max-length']!,
  '--pooling',
  values.pooling!,
  '--warmup-ratio',
  values['warmup-ratio']!,
  '--seed',
  values.seed!,
  '--json',
];
console.log(`$ edgeclass ${args.slice(1).join(' ').replaceAll(work, '<tmp>')}`);
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
const curve: Record<string, number>[] = [];
let stdout = '';
child.stdout.on('data', (d) => (stdout += d));
child.stderr.on('data', (d: Buffer) => {
  for (const line of d.toString().split('\n')) {
    const m = line.indexOf('{"event":"evaluation"');
    if (m >= 0) {
      const e = JSON.parse(line.slice(m));
      curve.push(e);
      console.log(
        `epoch ${e.epoch}  step ${e.step}  ${e.elapsed_s}s  dev loss ${e.loss.toFixed(4)}  dev accuracy ${(e.accuracy * 100).toFixed(2)}%  macro-F1 ${(e.macroF1 * 100).toFixed(2)}%${e.is_best ? '  (best)' : ''}`,
      );
    }
  }
});
const code: number = await new Promise((resolve) => child.on('close', resolve));
if (code !== 0) throw new Error(`edgeclass train exited with ${code}`);
const summary = JSON.parse(stdout);
const minutes = (Date.now() - started) / 60000;
fs.rmSync(work, { recursive: true, force: true });
console.log(
  `model: bert, ${values.layers} layers, hidden ${values.hidden}, ${values.heads} heads, intermediate ${hidden * 4}, random init (seed ${values.seed}); ${os.cpus().length} cores`,
);
console.log(
  `best dev accuracy ${(summary.best.metrics.accuracy * 100).toFixed(2)}% at step ${summary.best.step}; test accuracy ${(summary.test.accuracy * 100).toFixed(2)}% (${summary.test.examples} sentences), macro-F1 ${(summary.test.macroF1 * 100).toFixed(2)}%`,
);
console.log(`wall time ${minutes.toFixed(1)} min (budget ${values['budget-minutes']} min)`);
console.log(`RATIO learn-sst2-accuracy ${(summary.test.accuracy / 0.78).toFixed(3)}`);
console.log(`RATIO learn-sst2-minutes ${(minutes / Number(values['budget-minutes'])).toFixed(3)}`);
