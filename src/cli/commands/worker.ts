// `edgeclass worker`: the GPU worker. Takes fine-tuning jobs from the edge (pull, or push wake-ups with --port),
// trains them in a worker thread and reports back over the signed worker protocol (src/jobs/protocol.ts).
import { createLogger, type LogLevel } from '../../worker/log.ts';
import { GpuWorker } from '../../worker/worker.ts';
import { parseCommandArgs } from '../args.ts';

const USAGE = `usage: edgeclass worker --edge <url> --secret <s> [--ep cpu|webgpu|cuda] [--work-dir DIR]
  [--poll-interval ms] [--port N] [--host H] [--metrics-every N] [--checkpoint-every N] [--threads N]
  [--worker-id ID] [--keep-work-dir] [--log-level debug|info|warn|error]

--secret defaults to $EDGECLASS_WORKER_SECRET, --edge to $EDGECLASS_EDGE_URL. With --port, POST /wake (signed)
makes the worker claim at once; otherwise it polls. Logs are JSON lines on stderr.
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    edge: { type: 'string', default: process.env.EDGECLASS_EDGE_URL },
    secret: { type: 'string', default: process.env.EDGECLASS_WORKER_SECRET },
    ep: { type: 'string', default: 'cpu' },
    'work-dir': { type: 'string' },
    'poll-interval': { type: 'string', default: '2000' },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'metrics-every': { type: 'string', default: '10' },
    'checkpoint-every': { type: 'string' },
    threads: { type: 'string' },
    'worker-id': { type: 'string' },
    'keep-work-dir': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.edge || !values.secret) {
    process.stderr.write(`edgeclass worker: --edge and --secret are required\n\n${USAGE}`);
    return 2;
  }
  const int = (name: string, raw: string | undefined, min = 0): number | undefined => {
    if (raw === undefined) return undefined;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min}, got '${raw}'`);
    return v;
  };
  if (!['cpu', 'webgpu', 'cuda'].includes(values.ep!))
    throw new Error(`--ep must be cpu, webgpu or cuda, got '${values.ep}'`);
  if (!['debug', 'info', 'warn', 'error'].includes(values['log-level']!))
    throw new Error(`--log-level must be debug, info, warn or error`);
  try {
    new URL(values.edge);
  } catch {
    throw new Error(`--edge must be a URL, got '${values.edge}'`);
  }
  const port = int('port', values.port);
  if (port !== undefined && port > 65535) throw new Error(`--port must be a port number, got '${values.port}'`);
  const worker = new GpuWorker({
    edge: values.edge,
    secret: values.secret,
    executionProvider: values.ep as 'cpu' | 'webgpu' | 'cuda',
    workDir: values['work-dir'],
    pollIntervalMs: int('poll-interval', values['poll-interval'], 10),
    port,
    host: values.host,
    workerId: values['worker-id'],
    metricsEvery: int('metrics-every', values['metrics-every'], 1),
    checkpointEvery: int('checkpoint-every', values['checkpoint-every']) ?? null,
    threads: int('threads', values.threads, 1),
    keepWorkDir: values['keep-work-dir'],
    log: createLogger({ level: values['log-level'] as LogLevel }),
  });
  await worker.start();
  let firstSignal = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal a while after the first (Ctrl-C again): no waiting. One right after the first is the same
    // Ctrl-C, seen both from the terminal and from a supervisor (npm start) that passes it on.
    if (firstSignal && Date.now() - firstSignal > 1000) process.exit(130);
    if (firstSignal) return;
    firstSignal = Date.now();
    worker.log.info('stopping', { signal });
    void worker.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await worker.done();
  await worker.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return 0;
}
