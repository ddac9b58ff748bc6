// `edgeclass train`: fine-tune a classifier from a base model folder on a TSV/CSV/JSONL file, in a worker thread,
// with a progress bar; writes a servable Hugging Face folder with onnx/model.onnx.
import fs from 'node:fs';
import { formatOf, parseDataset } from '../../train/data.ts';
import { listCheckpoints } from '../../train/checkpoint.ts';
import { evaluateFolder } from '../../train/evaluate.ts';
import type { ExecutionProvider } from '../../train/execution-provider.ts';
import { probeExecutionProvider } from '../../train/session.ts';
import { trainInWorker } from '../../train/train-thread.ts';
import { EP_OPTION } from '../execution-provider-option.ts';
import { type CommandSpec, type OptionSpec, parseCommand } from '../args.ts';
import { formatDuration, ProgressBar } from '../progress.ts';

const SPEC = {
  name: 'train',
  summary:
    'Fine-tune a classifier from a base model folder on a TSV/CSV/JSONL file (text, label; or text, text_pair, label), ' +
    'in a worker thread with a progress bar. Writes a servable Hugging Face folder with onnx/model.onnx.',
  options: {
    base: {
      type: 'string',
      valueName: 'dir',
      required: true,
      description: 'the base model folder (a Hugging Face folder)',
    },
    train: {
      type: 'string',
      valueName: 'file',
      required: true,
      description: 'the training examples (.tsv, .csv or .jsonl)',
    },
    validation: {
      type: 'string',
      valueName: 'file',
      description: 'examples to evaluate on (picks the best checkpoint)',
    },
    test: { type: 'string', valueName: 'file', description: 'examples to score the result on, once, at the end' },
    out: { type: 'string', valueName: 'dir', required: true, description: 'where the fine-tuned model folder goes' },
    epochs: { type: 'string', valueName: 'n', default: '3', description: 'passes over the training examples' },
    'batch-size': { type: 'string', valueName: 'n', default: '32', description: 'examples per optimizer step' },
    'learning-rate': { type: 'string', valueName: 'lr', default: '5e-5', description: 'peak AdamW learning rate' },
    'max-length': {
      type: 'string',
      valueName: 'n',
      default: '128',
      description: 'tokens per example (longer ones are cut)',
    },
    'num-frozen-layers': {
      type: 'string',
      valueName: 'n',
      default: '0',
      description: 'encoder layers, from the bottom, left untrained',
    },
    'freeze-embeddings': { type: 'boolean', description: 'leave the embeddings untrained' },
    pooling: {
      type: 'string',
      valueName: 'how',
      choices: ['cls', 'mean', 'max'],
      description: "sentence pooling of the head (default: the base model's)",
    },
    'warmup-ratio': {
      type: 'string',
      valueName: 'r',
      default: '0.1',
      description: 'share of the steps the learning rate warms up over',
    },
    'weight-decay': { type: 'string', valueName: 'w', default: '0.01', description: 'AdamW weight decay' },
    seed: {
      type: 'string',
      valueName: 'n',
      default: '42',
      description: "seed of the head's initial weights, shuffling and dropout",
    },
    labels: {
      type: 'string',
      valueName: 'a,b,...',
      description:
        "the label names, in id order (default: the base model's names when the data uses its ids, else the labels found in the data)",
    },
    schedule: {
      type: 'string',
      valueName: 'name',
      default: 'linear',
      choices: ['linear', 'cosine', 'constant'],
      description: 'learning-rate schedule after warm-up',
    },
    'gradient-accumulation-steps': {
      type: 'string',
      valueName: 'n',
      default: '1',
      description: 'batches summed per optimizer step',
    },
    'max-grad-norm': { type: 'string', valueName: 'x', default: '1', description: 'gradient clipping norm (0: none)' },
    'eval-steps': { type: 'string', valueName: 'n', description: 'evaluate every n steps (default: every epoch)' },
    'early-stopping-patience': {
      type: 'string',
      valueName: 'n',
      description: 'stop after n evaluations without improvement',
    },
    'no-dropout': { type: 'boolean', description: 'train without dropout' },
    ep: EP_OPTION,
    resume: { type: 'boolean', description: 'go on from the latest checkpoint-*/ in --out (same data and batch size)' },
    json: { type: 'boolean', description: 'print the summary as one JSON line' },
  },
  examples: [
    'edgeclass train --base models/tiny-sst2 --train ../shared/datasets/sst2/train.tsv --validation ../shared/datasets/sst2/dev.tsv --out models/my-sst2 --epochs 1',
    'edgeclass train --base models/tiny-sst2 --train data.tsv --out models/my-sst2 --resume',
  ],
} as const satisfies CommandSpec<OptionSpec>;

/** A dataset file's examples; an error that names the file when it has none or cannot be parsed. */
function readExamples(file: string) {
  let examples: ReturnType<typeof parseDataset>;
  try {
    examples = parseDataset(fs.readFileSync(file, 'utf8'), formatOf(file));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (examples.length === 0) throw new Error(`${file} has no examples (it is empty, or holds only a header)`);
  return examples;
}

/** What to do after an interruption: the newest checkpoint, and the command line that goes on from it. */
function howToResume(outDir: string, args: string[]): string {
  const newest = listCheckpoints(outDir).at(-1);
  if (!newest) return `interrupted before the first checkpoint; nothing was saved in ${outDir}\n`;
  const again = ['edgeclass', 'train', ...args.filter((a) => a !== '--resume'), '--resume'];
  return (
    `interrupted; the newest checkpoint is ${newest.dir} (step ${newest.step}). To go on from it:\n` +
    `  ${again.map((a) => (/^[\w./:=,@-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}\n`
  );
}

/** --resume: the newest checkpoint in the output folder, which must have one. */
function resumePoint(outDir: string): { dir: string; step: number } {
  const newest = listCheckpoints(outDir).at(-1);
  if (!newest)
    throw new Error(
      `--resume: there is no checkpoint-*/ in ${outDir} to resume from; leave out --resume to start afresh`,
    );
  return newest;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand(SPEC, args);
  const num = (name: string, raw: string | undefined, integer = false): number => {
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v)))
      throw new Error(`--${name} must be a non-negative ${integer ? 'integer' : 'number'}, got '${raw}'`);
    return v;
  };
  const resumeFrom = values.resume ? resumePoint(values.out) : null;
  if (resumeFrom) process.stderr.write(`resuming from ${resumeFrom.dir} (step ${resumeFrom.step})\n`);
  const ep = values.ep as ExecutionProvider;
  if (ep !== 'cpu') await probeExecutionProvider(ep); // before reading the data: a missing provider fails at once
  const train = readExamples(values.train);
  const validation = values.validation ? readExamples(values.validation) : null;
  const bar = new ProgressBar();
  // Ctrl-C: the trainer stops after the step in flight (exiting under a running onnxruntime session aborts the
  // process), then the command says where the work is and how to go on, and exits as an interrupted program does.
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  process.once('SIGINT', onInterrupt);
  const started = Date.now();
  const result = await trainInWorker(
    {
      base: values.base,
      train,
      validation,
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
      executionProvider: ep,
      outDir: values.out,
      resumeFrom: resumeFrom?.dir ?? null,
      exportOnCancel: false,
    },
    {
      signal: interrupt.signal,
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
  process.off('SIGINT', onInterrupt);
  if (interrupt.signal.aborted) {
    process.stderr.write(`\n${howToResume(values.out, args)}`);
    return 130;
  }
  if (result.labelNote) process.stderr.write(`labels: ${result.labelNote}\n`);
  const summary: Record<string, unknown> = {
    out: result.outDir,
    labels: result.labels,
    resumed_from: result.resumedFrom,
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
