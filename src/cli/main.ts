// `edgeclass <command> ...`: each command lives in its own module under src/cli/commands/ and is loaded on demand,
// so `edgeclass tokenize` does not pay for what `edgeclass serve` needs.
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  serve: {
    summary: 'serve the HTTP API on Node: serve [--port N] [--host H] [--models DIR]',
    load: () => import('./commands/serve.ts'),
  },
  tokenize: {
    summary: 'tokenize "text" [--pair "text"] --model <id> [--json]',
    load: () => import('./commands/tokenize.ts'),
  },
  classify: {
    summary:
      'classify "text" ... --model <id> [--labels a,b] [--strategy s] [--file F] [--url URL] [--json]: on a running service',
    load: () => import('./commands/classify.ts'),
  },
  jobs: {
    summary:
      'jobs list | show <id> | events <id> [--follow] | cancel <id> [--url URL] [--api-key K] [--json]: fine-tuning jobs',
    load: () => import('./commands/jobs.ts'),
  },
  'init-model': {
    summary:
      'init-model --arch bert|roberta|xlm-roberta|distilbert|gpt2|llama --layers --hidden --heads --intermediate [--labels a,b] --tokenizer <dir> --seed N --out <dir>',
    load: () => import('./commands/init-model.ts'),
  },
  export: {
    summary:
      'export <model-dir> [--task feature-extraction|sequence-classification|text-generation[-with-past]] [--pooling cls|mean|max] [--out DIR]',
    load: () => import('./commands/export.ts'),
  },
  inspect: {
    summary: 'inspect <model-dir> [--num-frozen-layers N] [--freeze-embeddings] [--json]: module tree, what trains',
    load: () => import('./commands/inspect.ts'),
  },
  train: {
    summary:
      'train --base <dir> --train <file> [--validation <file>] --out <dir> [--epochs ..] (see edgeclass train --help)',
    load: () => import('./commands/train.ts'),
  },
  models: {
    summary: 'models list | pull <id> [--revision R] | sync [--local] [<id>...]',
    load: () => import('./commands/models.ts'),
  },
  worker: {
    summary:
      'worker --edge <url> --secret <s> [--ep cpu|webgpu|cuda] [--work-dir DIR] [--poll-interval ms] [--port N]: the GPU worker',
    load: () => import('./commands/worker.ts'),
  },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: edgeclass <command> [options]\n\n${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`edgeclass: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (err) {
    process.stderr.write(`edgeclass ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
