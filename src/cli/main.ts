// `edgeclass <command> ...`: each command lives in its own module under src/cli/commands/ and is loaded on demand,
// so `edgeclass tokenize` does not pay for what `edgeclass serve` needs.
import { commandList, exitCodeOf, listHelp, UsageError } from './args.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  serve: {
    summary: 'serve the HTTP API on Node, with models from the models folder(s)',
    load: () => import('./commands/serve.ts'),
  },
  tokenize: {
    summary: "tokenize a text (or a pair) with a model's tokenizer, one token a line or the API's JSON",
    load: () => import('./commands/tokenize.ts'),
  },
  classify: {
    summary: 'classify texts with a model on a running service (npm start, serve, a deployed Worker)',
    load: () => import('./commands/classify.ts'),
  },
  jobs: {
    summary: 'list, show, follow and cancel the fine-tuning jobs of an API key on a running service',
    load: () => import('./commands/jobs.ts'),
  },
  'init-model': {
    summary:
      'write a tiny deterministic random-weight model folder (bert, roberta, xlm-roberta, distilbert, gpt2, llama) for tests and demos',
    load: () => import('./commands/init-model.ts'),
  },
  export: {
    summary: "export a model folder to onnx/model.onnx with Optimum's input and output names",
    load: () => import('./commands/export.ts'),
  },
  inspect: {
    summary: 'inspect <model-dir> [--num-frozen-layers N] [--freeze-embeddings] [--json]: module tree, what trains',
    load: () => import('./commands/inspect.ts'),
  },
  train: {
    summary: 'fine-tune a classifier from a base model folder on a TSV/CSV/JSONL file, on this machine',
    load: () => import('./commands/train.ts'),
  },
  models: {
    summary: 'list the models folder(s), pull a model from the Hugging Face Hub, sync models to R2',
    load: () => import('./commands/models.ts'),
  },
  worker: {
    summary: 'the GPU worker: takes fine-tuning jobs from the edge and trains them',
    load: () => import('./commands/worker.ts'),
  },
};

const PROGRAM_SUMMARY = 'Tokenize, classify and fine-tune BERT-family models at the edge and on Node.';

export function usage(): string {
  return listHelp(commandList('edgeclass', PROGRAM_SUMMARY, COMMANDS));
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? process.stdout : process.stderr).write(usage());
    return name ? 0 : 2;
  }
  try {
    commandList('edgeclass', PROGRAM_SUMMARY, COMMANDS).parse([name], { from: 'user' });
    return await (await COMMANDS[name].load()).run(rest);
  } catch (err) {
    const code = exitCodeOf(err);
    if (code !== null) return code; // commander has printed the help, or the error with its suggestion
    if (err instanceof UsageError) {
      process.stderr.write(`edgeclass ${name}: ${err.message}\n(run 'edgeclass ${name} --help' for every option)\n`);
      return 2;
    }
    process.stderr.write(`edgeclass ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
