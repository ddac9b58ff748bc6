// `edgeclass init-model`: a tiny deterministic random-weight model folder for tests and demos.
import { architecture, MODEL_TYPES } from '../../nn/arch/index.ts';
import type { CausalLmArchitecture } from '../../nn/arch/types.ts';
import { initModel } from '../../nn/init-model.ts';
import { type CommandSpec, type OptionSpec, parseCommand } from '../args.ts';

const SPEC = {
  name: 'init-model',
  summary:
    'Write a complete Hugging Face-layout model folder with deterministic random weights, the real tokenizer files ' +
    'and onnx/model.onnx: an encoder (bert, roberta, xlm-roberta, distilbert; a classifier with --labels, else an ' +
    'encoder for embeddings) or a causal LM (gpt2, llama).',
  options: {
    arch: { type: 'string', valueName: 'arch', default: 'bert', description: MODEL_TYPES.join(', ') },
    layers: { type: 'string', valueName: 'n', default: '2', description: 'transformer layers' },
    hidden: { type: 'string', valueName: 'n', default: '32', description: 'hidden size' },
    heads: { type: 'string', valueName: 'n', default: '4', description: 'attention heads' },
    intermediate: {
      type: 'string',
      valueName: 'n',
      default: '64',
      description: 'feed-forward size (gpt2: 4 x hidden)',
    },
    'kv-heads': {
      type: 'string',
      valueName: 'n',
      description: 'llama: key/value heads of grouped-query attention (default: --heads)',
    },
    untied: { type: 'boolean', description: 'llama: an lm_head of its own (default: tied to the embeddings)' },
    'num-labels': { type: 'string', valueName: 'n', description: 'a classifier with labels LABEL_0..LABEL_n-1' },
    labels: {
      type: 'string',
      valueName: 'a,b,...',
      description: 'a classifier with these labels (entailment,neutral,contradiction: NLI)',
    },
    head: {
      type: 'string',
      valueName: 'kind',
      default: 'hf',
      description: "hf (the architecture's head) or project (pool, Linear)",
    },
    pooling: { type: 'string', valueName: 'how', description: 'cls, mean or max' },
    'sentence-transformers': {
      type: 'boolean',
      description: 'write modules.json and 1_Pooling/ (a sentence-transformers folder)',
    },
    normalize: { type: 'boolean', description: 'with --sentence-transformers: add a Normalize module' },
    'multi-label': { type: 'boolean', description: 'problem_type multi_label_classification' },
    tokenizer: {
      type: 'string',
      valueName: 'dir',
      required: true,
      description: 'a folder with the tokenizer files to copy',
    },
    seed: { type: 'string', valueName: 'n', default: '0', description: 'seed of the weights' },
    std: { type: 'string', valueName: 'x', description: 'standard deviation of the weights (default: 0.02)' },
    out: { type: 'string', valueName: 'dir', required: true, description: 'the folder to write' },
    json: { type: 'boolean', description: 'print {dir, onnx} as JSON' },
  },
  examples: [
    'edgeclass init-model --arch bert --layers 2 --hidden 128 --heads 2 --intermediate 512 --labels negative,positive --tokenizer ../shared/models/bert-base-uncased --seed 1 --out models/tiny-sst2',
    'edgeclass init-model --arch gpt2 --layers 2 --hidden 64 --heads 4 --tokenizer models/gpt2 --out models/tiny-gpt2',
    'edgeclass init-model --arch llama --layers 2 --hidden 64 --heads 4 --kv-heads 2 --tokenizer ../shared/models/roberta-base --out models/tiny-llama',
  ],
} as const satisfies CommandSpec<OptionSpec>;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand(SPEC, args);
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
