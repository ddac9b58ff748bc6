// `edgeclass train`: fine-tune a classifier from a base model folder on a TSV/CSV/JSONL file, in a worker thread,
// with a progress bar; writes a servable Hugging Face folder with onnx/model.onnx.
import fs from 'node:fs';
import { formatOf, parseDataset } from '../../train/data.ts';
import { evaluateFolder } from '../../train/evaluate.ts';
import { trainInWorker } from '../../train/worker-thread.ts';
import { parseCommandArgs } from '../args.ts';
import { formatDuration, ProgressBar } from '../progress.ts';

const USAGE = `usage: edgeclass train --base <dir> --train <file> [--validation <file>] [--test <file>] --out <dir>
  [--epochs 3] [--batch-size 32] [--learning-rate 5e-5] [--max-length 128] [--num-frozen-layers 0]
  [--freeze-embeddings] [--pooling cls|mean|max] [--warmup-ratio 0.1] [--weight-decay 0.01] [--seed 42]
  [--labels a,b,...] [--schedule linear|cosine] [--gradient-accumulation-steps 1] [--max-grad-norm 1]
  [--eval-steps N] [--early-stopping-patience N] [--no-dropout] [--ep cpu|webgpu|cuda] [--resume] [--json]
`;

function readExamples(file: string) {
  return parseDataset(fs.readFileSync(file, 'utf8'), formatOf(file));
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    base: { type: 'string' },
    train: { type: 'string' },
    validation: { type: 'string' },
    test: { type: 'string' },
    out: { type: 'string' },
    epochs: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '32' },
    'learning-rate': { type: 'string', default: '5e-5' },
    'max-length': { type: 'string', default: '128' },
    'num-frozen-layers': { type: 'string', default: '0' },
    'freeze-embeddings': { type: 'boolean', default: false },
    pooling: { type: 'string' },
    'warmup-ratio': { type: 'string', default: '0.1' },
    'weight-decay': { type: 'string', default: '0.01' },
    seed: { type: 'string', default: '42' },
    labels: { type: 'string' },
    schedule: { type: 'string', default: 'linear' },
    'gradient-accumulation-steps': { type: 'string', default: '1' },
    'max-grad-norm': { type: 'string', default: '1' },
    'eval-steps': { type: 'string' },
    'early-stopping-patience': { type: 'string' },
    'no-dropout': { type: 'boolean', default: false },
    ep: { type: 'string', default: 'cpu' },
    resume: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (!values.base || !values.train || !values.out) {
    process.stderr.write(USAGE);
    return 2;
  }
  const num = (name: string, raw: string | undefined, integer = false): number => {
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v)))
      throw new Error(`--${name} must be a non-negative ${integer ? 'integer' : 'number'}, got '${raw}'`);
    return v;
  };
  if (values.pooling && !['cls', 'mean', 'max'].includes(values.pooling))
    throw new Error(`--pooling must be cls, mean or max, got '${values.pooling}'`);
  if (!['cpu', 'webgpu', 'cuda'].includes(values.ep!))
    throw new Error(`--ep must be cpu, webgpu or cuda, got '${values.ep}'`);
  if (!['linear', 'cosine', 'constant'].includes(values.schedule!))
    throw new Error(`--schedule must be linear, cosine or constant, got '${values.schedule}'`);
  const bar = new ProgressBar();
  const started = Date.now();
  const result = await trainInWorker(
    {
      base: values.base,
      train: readExamples(values.train),
      validation: values.validation ? readExamples(values.validation) : null,
      labels: values.labels ? values.labels.split(',').map((s) => s.trim()) : undefined,
      epochs: num('epochs', values.epochs, true),
      batchSize: num('batch-size', values['batch-size'], true),
      learningRate: num('learning-rate', values['learning-rate']),
      maxLength: num('max-length', values['max-length'], true),
      numFrozenLayers: num('num-frozen-layers', values['num-frozen-layers'], true),
      freezeEmbeddings: values['freeze-embeddings']!,
      pooling: (values.pooling as 'cls' | 'mean' | 'max' | undefined) ?? null,
      warmupRatio: num('warmup-ratio', values['warmup-ratio']),
      weightDecay: num('weight-decay', values['weight-decay']),
      schedule: values.schedule as 'linear' | 'cosine' | 'constant',
      gradientAccumulationSteps: num('gradient-accumulation-steps', values['gradient-accumulation-steps'], true),
      maxGradNorm: num('max-grad-norm', values['max-grad-norm']) || null,
      evalEvery: values['eval-steps'] ? num('eval-steps', values['eval-steps'], true) : 'epoch',
      earlyStoppingPatience: values['early-stopping-patience']
        ? num('early-stopping-patience', values['early-stopping-patience'], true)
        : null,
      seed: num('seed', values.seed, true),
      dropout: !values['no-dropout'],
      executionProvider: values.ep as 'cpu' | 'webgpu' | 'cuda',
      outDir: values.out,
      resumeFrom: values.resume ? 'latest' : null,
    },
    {
      onProgress: (p) =>
        bar.update(
          p.step,
          p.totalSteps,
          `epoch ${p.epoch.toFixed(2)} loss ${p.loss.toFixed(4)} lr ${p.learningRate.toExponential(2)} ${p.samplesPerSecond.toFixed(0)} samples/s eta ${formatDuration(p.etaSeconds)}`,
        ),
      onEvaluate: (e) => {
        bar.update(e.step, e.step, '', true);
        process.stderr.write(
          `\n${JSON.stringify({ event: 'evaluation', step: e.step, epoch: e.epoch, elapsed_s: Math.round((Date.now() - started) / 1000), ...e.metrics, is_best: e.isBest })}\n`,
        );
      },
    },
  );
  bar.done();
  const summary: Record<string, unknown> = {
    out: result.outDir,
    steps: result.steps,
    best: result.best,
    stopped_early: result.stoppedEarly,
    elapsed_s: (Date.now() - started) / 1000,
  };
  if (values.test)
    summary.test = await evaluateFolder(result.outDir, readExamples(values.test), {
      maxLength: num('max-length', values['max-length'], true),
    });
  process.stdout.write(`${JSON.stringify(summary, null, values.json ? 0 : 2)}\n`);
  return 0;
}
