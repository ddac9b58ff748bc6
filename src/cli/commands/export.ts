// `edgeclass export <model-dir>`: onnx/model.onnx with Optimum's input and output names.
import { exportModel } from '../../nn/export.ts';
import type { Task } from '../../nn/model-graph.ts';
import { parseCommandArgs } from '../args.ts';
import { ProgressBar } from '../progress.ts';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    task: { type: 'string' },
    pooling: { type: 'string' },
    normalize: { type: 'boolean' },
    out: { type: 'string' },
    quantize: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const [dir] = positionals;
  if (!dir) {
    process.stderr.write(
      'usage: edgeclass export <model-dir> [--task feature-extraction|sequence-classification|text-generation|text-generation-with-past] [--pooling cls|mean|max] [--normalize] [--out DIR] [--quantize q8|q4] [--json]\n',
    );
    return 2;
  }
  const tasks = ['feature-extraction', 'sequence-classification', 'text-generation', 'text-generation-with-past'];
  if (values.task && !tasks.includes(values.task)) {
    throw new Error(
      `--task must be feature-extraction, sequence-classification, text-generation or text-generation-with-past (causal LMs), got '${values.task}'`,
    );
  }
  if (values.pooling && !['cls', 'mean', 'max'].includes(values.pooling))
    throw new Error(`--pooling must be cls, mean or max, got '${values.pooling}'`);
  if (values.quantize && values.quantize !== 'q8' && values.quantize !== 'q4')
    throw new Error(`--quantize must be q8 or q4, got '${values.quantize}'`);
  const bar = new ProgressBar();
  const result = exportModel(dir, {
    task: values.task as Task | undefined,
    pooling: values.pooling as 'cls' | 'mean' | 'max' | undefined,
    normalize: values.normalize,
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
