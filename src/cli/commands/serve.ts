// `edgeclass serve`: the HTTP API on Node, with models from a directory and fine-tuning over a data folder.
import path from 'node:path';
import { resolveModelsDir } from '../../store/fs-store.ts';
import { startNodeServer } from '../../runtime/node.ts';
import { type CommandSpec, type OptionSpec, parseCommand } from '../args.ts';

const SPEC = {
  name: 'serve',
  summary: 'Serve the HTTP API (tokenize, embeddings, classify, fine-tuning, playground, /docs, /metrics) on Node.',
  options: {
    port: { type: 'string', valueName: 'n', default: '8787', env: 'PORT', description: 'the port to listen on' },
    host: { type: 'string', valueName: 'host', default: '127.0.0.1', description: 'the address to listen on' },
    models: {
      type: 'string',
      valueName: 'dirs',
      description: 'the models folder(s), colon-separated, first wins (default: EDGECLASS_MODELS_DIR, else ./models)',
    },
    'data-dir': {
      type: 'string',
      valueName: 'dir',
      default: '.edgeclass',
      env: 'EDGECLASS_DATA_DIR',
      description:
        'fine-tuning state: the SQLite database and the files folder (datasets, checkpoints); fine-tuned models go to the first models folder',
    },
  },
  examples: ['edgeclass serve --port 8787 --models models:../shared/models'],
} as const satisfies CommandSpec<OptionSpec>;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand(SPEC, args);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got '${values.port}'`);
  const modelsDir = resolveModelsDir(values.models);
  const dataDir = path.resolve(values['data-dir']);
  const server = await startNodeServer({ port, host: values.host, modelsDir, dataDir });
  console.error(
    JSON.stringify({ level: 'info', msg: 'edgeclass listening', url: server.url, models: modelsDir, data: dataDir }),
  );
  await new Promise<void>((resolve) => {
    const stop = () => server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
