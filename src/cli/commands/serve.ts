// `edgeclass serve`: the HTTP API on Node, with models from a directory.
import { resolveModelsDir } from '../../store/fs-store.ts';
import { startNodeServer } from '../../runtime/node.ts';
import { parseCommandArgs } from '../args.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    port: { type: 'string', default: process.env.PORT ?? '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    models: { type: 'string' },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got '${values.port}'`);
  const modelsDir = resolveModelsDir(values.models);
  const server = await startNodeServer({ port, host: values.host, modelsDir });
  console.error(JSON.stringify({ level: 'info', msg: 'edgeclass listening', url: server.url, models: modelsDir }));
  await new Promise<void>((resolve) => {
    const stop = () => server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
