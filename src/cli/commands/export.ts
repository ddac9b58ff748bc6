// `edgeclass export <model-dir>`: onnx/model.onnx with Optimum's input and output names.
import { exportModel } from '../../nn/export.ts';
import type { Task } from '../../nn/model-graph.ts';
import { type CommandSpec, type OptionSpec, parseCommand } from '../args.ts';
import { ProgressBar } from '../progress.ts';

const TASKS = ['feature-extraction', 'sequence-classification', 'text-generation', 'text-generation-with-past'];

const SPEC = {
  name: 'export',
  summary:
    "Export a model folder to onnx/model.onnx (Optimum's input and output names, dynamic batch and sequence axes).",
  args: ['<model-dir>'],
  options: {
    task: {
      type: 'string',
      valueName: 'task',
      description:
        'feature-extraction, sequence-classification (encoders); text-generation-with-past or text-generation (causal LMs) (default: from config.json and the folder)',
    },
    pooling: {
      type: 'string',
      valueName: 'how',
      description: 'cls, mean or max: add a pooled sentence_embedding output',
    },
    normalize: { type: 'boolean', description: 'L2-normalize the sentence embedding' },
    out: { type: 'string', valueName: 'dir', description: 'write the onnx/ folder there (default: the model folder)' },
    quantize: {
      type: 'string',
      valueName: 'q8|q4',
      description:
        'also write onnx/model_quantized.onnx (q8: int8 MatMul weights and word embeddings) or onnx/model_q4.onnx (q4: 4-bit MatMulNBits, block 32)',
    },
    json: { type: 'boolean', description: 'print {file, bytes, task, pooling} as JSON' },
  },
  examples: [
    'edgeclass export models/tiny-sst2',
    'edgeclass export models/tiny-embed --task feature-extraction --pooling mean --normalize --quantize q8',
    'edgeclass export models/tiny-llama --task text-generation-with-past',
  ],
} as const satisfies CommandSpec<OptionSpec>;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(SPEC, args);
  const [dir] = positionals;
  if (values.task && !TASKS.includes(values.task))
    throw new Error(`--task must be ${TASKS.join(', ')}, got '${values.task}'`);
  if (values.pooling && !['cls', 'mean', 'max'].includes(values.pooling))
    throw new Error(`--pooling must be cls, mean or max, got '${values.pooling}'`);
  if (values.quantize && values.quantize !== 'q8' && values.quantize !== 'q4')
    throw new Error(`--quantize must be q8 or q4, got '${values.quantize}'`);
  const bar = new ProgressBar();
  const result = exportModel(dir, {
    task: values.task as Task | undefined,
    pooling: values.pooling as 'cls' | 'mean' | 'max' | undefined,
    normalize: values.normalize || undefined, // absent: as the folder's sentence-transformers modules say
    out: values.out,
    quantize: values.quantize === 'q8' || values.quantize === 'q4' ? values.quantize : null,
    onStage: (stage, done, total) => bar.update(done, total, stage, true),
  });
  bar.done();
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({ file: result.file, bytes: result.bytes, task: result.spec.task, pooling: result.spec.pooling ?? null })}\n`,
    );
  process.stderr.write(
    `wrote ${result.file} (${result.spec.task}${result.spec.pooling ? `, ${result.spec.pooling} pooling` : ''}, ${(result.bytes / 1e6).toFixed(1)} MB)\n`,
  );
  return 0;
}
