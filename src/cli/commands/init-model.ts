// `edgeclass init-model`: a tiny deterministic random-weight model folder for tests and demos.
import { architecture, MODEL_TYPES } from '../../nn/arch/index.ts';
import type { CausalLmArchitecture } from '../../nn/arch/types.ts';
import { initModel } from '../../nn/init-model.ts';
import { parseCommandArgs } from '../args.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    arch: { type: 'string', default: 'bert' },
    layers: { type: 'string', default: '2' },
    hidden: { type: 'string', default: '32' },
    heads: { type: 'string', default: '4' },
    intermediate: { type: 'string', default: '64' },
    'kv-heads': { type: 'string' },
    untied: { type: 'boolean', default: false },
    'num-labels': { type: 'string' },
    labels: { type: 'string' },
    head: { type: 'string', default: 'hf' },
    pooling: { type: 'string' },
    'sentence-transformers': { type: 'boolean', default: false },
    normalize: { type: 'boolean', default: false },
    'multi-label': { type: 'boolean', default: false },
    tokenizer: { type: 'string' },
    seed: { type: 'string', default: '0' },
    std: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (!values.tokenizer || !values.out) {
    process.stderr.write(
      'usage: edgeclass init-model --arch bert|roberta|xlm-roberta|distilbert --layers N --hidden N --heads N --intermediate N\n' +
        '  [--num-labels N | --labels a,b,c] [--head hf|project] [--pooling cls|mean|max] [--sentence-transformers [--normalize]]\n' +
        '  [--multi-label] --tokenizer <dir> [--seed N] --out <dir>\n' +
        '       edgeclass init-model --arch gpt2 --layers N --hidden N --heads N [--intermediate N] --tokenizer <dir> [--seed N] --out <dir>\n' +
        '       edgeclass init-model --arch llama --layers N --hidden N --heads N [--kv-heads N] [--intermediate N] [--untied] --tokenizer <dir> [--seed N] --out <dir>\n',
    );
    return 2;
  }
  const int = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
  if (!MODEL_TYPES.includes(values.arch))
    throw new Error(`--arch must be one of ${MODEL_TYPES.join(', ')}, got '${values.arch}'`);
  const arch = architecture(values.arch);
  if (arch.family === 'causal-lm')
    return initCausalLm(
      arch,
      values,
      args.includes('--intermediate') || args.some((a) => a.startsWith('--intermediate=')),
      int,
    );
  for (const flag of ['kv-heads', 'untied'] as const)
    if (values[flag] !== undefined && values[flag] !== false)
      throw new Error(`--${flag} applies to --arch llama, not ${arch.modelType}`);
  if (values.head !== 'hf' && values.head !== 'project')
    throw new Error(`--head must be hf or project, got '${values.head}'`);
  if (values.pooling && !['cls', 'mean', 'max'].includes(values.pooling))
    throw new Error(`--pooling must be cls, mean or max, got '${values.pooling}'`);
  const labels = values.labels
    ? values.labels.split(',').map((s) => s.trim())
    : values['num-labels']
      ? Array.from({ length: int('num-labels', values['num-labels']) }, (_, i) => `LABEL_${i}`)
      : undefined;
  const result = initModel({
    arch: arch.modelType,
    layers: int('layers', values.layers),
    hidden: int('hidden', values.hidden),
    heads: int('heads', values.heads),
    intermediate: int('intermediate', values.intermediate),
    labels,
    head: values.head === 'project' ? 'project' : 'hf_seqcls',
    pooling: values.pooling as 'cls' | 'mean' | 'max' | undefined,
    sentenceTransformers: values['sentence-transformers'],
    normalize: values.normalize,
    problemType: values['multi-label'] ? 'multi_label_classification' : undefined,
    tokenizerDir: values.tokenizer,
    seed: int('seed', values.seed),
    std: values.std ? Number(values.std) : undefined,
    out: values.out,
  });
  if (values.json) process.stdout.write(`${JSON.stringify({ dir: result.dir, onnx: result.onnx })}\n`);
  else
    process.stderr.write(
      `wrote ${result.dir} (${result.config.modelType}, ${result.config.numHiddenLayers} layers, hidden ${result.config.hiddenSize}, onnx: ${result.onnx})\n`,
    );
  return 0;
}

/** A causal LM (gpt2, llama) with its text-generation export; no labels, heads or pooling. */
function initCausalLm(
  arch: CausalLmArchitecture,
  values: Record<string, string | boolean | undefined>,
  intermediateGiven: boolean,
  int: (name: string, v: string | undefined) => number,
): number {
  const what = `--arch ${arch.modelType} (a causal LM)`;
  for (const flag of ['num-labels', 'labels', 'pooling'])
    if (values[flag] !== undefined) throw new Error(`--${flag} does not apply to ${what}`);
  for (const flag of ['sentence-transformers', 'normalize', 'multi-label'])
    if (values[flag] === true) throw new Error(`--${flag} does not apply to ${what}`);
  const result = arch.initModel({
    layers: int('layers', values.layers as string),
    hidden: int('hidden', values.hidden as string),
    heads: int('heads', values.heads as string),
    kvHeads: values['kv-heads'] === undefined ? undefined : int('kv-heads', values['kv-heads'] as string),
    untied: values.untied === true,
    intermediate: intermediateGiven ? int('intermediate', values.intermediate as string) : undefined,
    tokenizerDir: values.tokenizer as string,
    seed: int('seed', values.seed as string),
    std: values.std ? Number(values.std) : undefined,
    out: values.out as string,
  });
  if (values.json) process.stdout.write(`${JSON.stringify({ dir: result.dir, onnx: result.onnx })}\n`);
  else process.stderr.write(`wrote ${result.dir} (${result.summary}, onnx: ${result.onnx})\n`);
  return 0;
}
