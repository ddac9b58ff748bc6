// `edgeclass worker`: the GPU worker. Takes fine-tuning jobs from the edge (pull, or push wake-ups with --port),
// trains them in a worker thread and reports back over the signed worker protocol (src/jobs/protocol.ts).
import { createLogger, type LogLevel } from '../../gpu-worker/log.ts';
import { GpuWorker } from '../../gpu-worker/worker.ts';
import type { ExecutionProvider } from '../../train/execution-provider.ts';
import { probeExecutionProvider } from '../../train/session.ts';
import { EP_OPTION } from '../execution-provider-option.ts';
import { type CommandSpec, type OptionSpec, parseCommand, UsageError } from '../args.ts';

const SPEC = {
  name: 'worker',
  summary:
    'The GPU worker: claims fine-tuning jobs from the edge, trains them in a worker thread and reports back over the ' +
    'signed worker protocol. With --port, POST /wake (signed) makes it claim at once; otherwise it polls. ' +
    'Logs are JSON lines on stderr.',
  options: {
    edge: { type: 'string', valueName: 'url', env: 'EDGECLASS_EDGE_URL', description: 'the edge service (required)' },
    secret: {
      type: 'string',
      valueName: 'secret',
      env: 'EDGECLASS_WORKER_SECRET',
      description: "the worker protocol's HMAC secret (required; prefer the environment: arguments show in ps)",
    },
    ep: EP_OPTION,
    'work-dir': {
      type: 'string',
      valueName: 'dir',
      description: 'where jobs are trained (default: a temporary folder)',
    },
    'poll-interval': { type: 'string', valueName: 'ms', default: '2000', description: 'how often to ask for a job' },
    port: { type: 'string', valueName: 'n', description: 'listen for signed wake-ups on this port' },
    host: { type: 'string', valueName: 'host', default: '127.0.0.1', description: 'the wake-up address' },
    'metrics-every': { type: 'string', valueName: 'n', default: '10', description: 'steps between metrics events' },
    'checkpoint-every': {
      type: 'string',
      valueName: 'n',
      description: "steps between checkpoints (default: the job's)",
    },
    threads: { type: 'string', valueName: 'n', description: 'onnxruntime intra-op threads' },
    'worker-id': { type: 'string', valueName: 'id', description: 'the name the edge knows this worker by' },
    'keep-work-dir': { type: 'boolean', description: "keep each job's folder after it ends" },
    'log-level': {
      type: 'string',
      valueName: 'level',
      default: 'info',
      choices: ['debug', 'info', 'warn', 'error'],
      description: 'the least important log lines shown (polls that find nothing are debug)',
    },
  },
  examples: ['EDGECLASS_WORKER_SECRET=... edgeclass worker --edge http://127.0.0.1:8787 --port 8788'],
} as const satisfies CommandSpec<OptionSpec>;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand(SPEC, args);
  if (!values.edge || !values.secret)
    throw new UsageError('--edge and --secret are required (or EDGECLASS_EDGE_URL and EDGECLASS_WORKER_SECRET)');
  const int = (name: string, raw: string | undefined, min = 0): number | undefined => {
    if (raw === undefined) return undefined;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min}, got '${raw}'`);
    return v;
  };
  try {
    new URL(values.edge);
  } catch {
    throw new Error(`--edge must be a URL, got '${values.edge}'`);
  }
  const port = int('port', values.port);
  if (port !== undefined && port > 65535) throw new Error(`--port must be a port number, got '${values.port}'`);
  const ep = values.ep as ExecutionProvider;
  if (ep !== 'cpu') await probeExecutionProvider(ep); // before claiming any job
  const worker = new GpuWorker({
    edge: values.edge,
    secret: values.secret,
    executionProvider: ep,
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
