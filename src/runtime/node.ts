// The Node entry point: the same Hono app behind @hono/node-server, with models from a directory and, given a data
// folder, fine-tuning over SQLite (node-jobs.ts).
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Classifier } from '../core/classify/classifier.ts';
import type { RemoteLlm } from '../core/llm/chat.ts';
import { remoteLlmFromEnv } from '../core/llm/from-env.ts';
import { inferenceSettingsFromEnv, limitsFromEnv, type InferenceSettings, type Limits } from '../core/limits.ts';
import { ModelRegistry, modelDtypeFromEnv, type ModelDtype } from '../core/model-registry.ts';
import type { DtypeSetting } from '../core/dtypes.ts';
import { TokenizerRegistry } from '../core/tokenizers.ts';
import { createApp } from '../http/app.ts';
import type { App } from '../http/deps.ts';
import type { AppDeps } from '../http/deps.ts';
import { BatchingRunner } from '../inference/batcher.ts';
import { createOrtNodeRuntime, ortParallelism } from '../inference/ort-node.ts';
import type { InferenceRuntime } from '../inference/runtime.ts';
import { FsModelStore } from '../store/fs-store.ts';
import type { ModelStore } from '../store/model-store.ts';
import { parsePullAllowList } from '../hub/pull-allow.ts';
import { PullingModelStore, type PullingOptions } from '../hub/pulling-store.ts';
import { requestLogIsOff, type RequestLog } from '../http/observe.ts';
import { createNodeJobs } from './node-jobs.ts';
import { PrometheusTelemetry } from './prometheus.ts';

export interface NodeAppOptions {
  modelsDir: string;
  limits?: Limits;
  /** Pulling absent models from the Hub; default from HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE. */
  pull?: PullingOptions;
  /** Replaces the directory store altogether. */
  store?: ModelStore;
  /** Batch sizes and threads; default from the environment (EDGECLASS_MAX_BATCH_TOKENS, ...). */
  inference?: Partial<InferenceSettings>;
  /** The graph variant served by default (a dtype, or EDGECLASS_MODEL_DTYPE's setting); default from the environment. */
  dtype?: ModelDtype | DtypeSetting;
  /** Replaces onnxruntime-node (tests use onnxruntime-web, or a runtime that fails on purpose). */
  runtime?: () => InferenceRuntime | Promise<InferenceRuntime>;
  /** Prometheus metrics at GET /metrics (default: on, one registry per app); false: none (/metrics answers 501). */
  metrics?: boolean;
  /** One JSON line per request; default: stdout, unless EDGECLASS_REQUEST_LOG is off. */
  requestLog?: RequestLog;
  /** Strategy llm's chat endpoint; default from the environment (EDGECLASS_LLM_*, src/core/llm/from-env.ts). */
  remoteLlm?: RemoteLlm | null;
  /** Fine-tuning's storage (SQLite and a files folder, src/storage/node/); absent: the fine-tuning API answers 501. */
  dataDir?: string;
}

/** EDGECLASS_REQUEST_LOG=off silences the request log (the test suites set it); else one line per request on stdout. */
export function requestLogFromEnv(env: NodeJS.ProcessEnv): RequestLog {
  return requestLogIsOff(env.EDGECLASS_REQUEST_LOG) ? null : (line) => process.stdout.write(`${line}\n`);
}

/** HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE; EDGECLASS_PULL_ALLOW (ids and patterns; none by default), EDGECLASS_PULL_MAX_BYTES. */
export function pullOptionsFromEnv(env: NodeJS.ProcessEnv): PullingOptions {
  const offline = env.HF_HUB_OFFLINE !== undefined && !['', '0', 'false'].includes(env.HF_HUB_OFFLINE.toLowerCase());
  const rawMax = env.EDGECLASS_PULL_MAX_BYTES;
  const maxBytes = rawMax === undefined || rawMax === '' ? undefined : Number(rawMax);
  if (maxBytes !== undefined && (!Number.isInteger(maxBytes) || maxBytes < 1)) {
    throw new Error(`EDGECLASS_PULL_MAX_BYTES must be a positive integer, got '${rawMax}'`);
  }
  return {
    endpoint: env.HF_ENDPOINT || undefined,
    token: env.HF_TOKEN || undefined,
    offline,
    allow: parsePullAllowList(env.EDGECLASS_PULL_ALLOW),
    maxBytes,
  };
}

/**
 * The service's dependencies on Node: models from a directory, onnxruntime-node, and concurrent requests to a
 * model merged into runs by the batcher. The app and the in-process benchmark use the same.
 */
export function createNodeDeps(options: NodeAppOptions): AppDeps {
  const store =
    options.store ??
    new PullingModelStore(new FsModelStore(options.modelsDir), options.pull ?? pullOptionsFromEnv(process.env));
  const tokenizers = new TokenizerRegistry(store);
  const limits = options.limits ?? limitsFromEnv(process.env);
  const settings = { ...inferenceSettingsFromEnv(process.env), ...options.inference };
  const telemetry = options.metrics === false ? undefined : new PrometheusTelemetry();
  const models = new ModelRegistry({
    store,
    tokenizers,
    runtime:
      options.runtime ??
      (() => {
        const { workers, threads } = ortParallelism(settings, os.availableParallelism());
        return createOrtNodeRuntime({ workers, intraOpNumThreads: threads });
      }),
    dtype: options.dtype ?? modelDtypeFromEnv(process.env),
    runner: (session, spec, modelId) =>
      new BatchingRunner(session, spec, {
        maxTokens: settings.maxBatchTokens,
        maxRows: settings.maxBatchRows,
        maxInFlight: session.concurrentRuns ?? 1,
        observer: telemetry && { queue: (s) => telemetry.queue(modelId, s), batch: (b) => telemetry.batch(modelId, b) },
      }),
    telemetry,
  });
  const remoteLlm = options.remoteLlm === undefined ? remoteLlmFromEnv(process.env) : options.remoteLlm;
  // Fine-tuned models are written to the first models directory, where the store above serves them from.
  const jobs = options.dataDir ? createNodeJobs(options.dataDir, new FsModelStore(options.modelsDir).dirs) : undefined;
  return {
    store,
    tokenizers,
    models,
    classifier: new Classifier(models, limits, { remoteLlm }),
    limits,
    runtime: 'node',
    telemetry,
    jobs,
  };
}

export function createNodeApp(options: NodeAppOptions, deps = createNodeDeps(options)): App {
  return createApp(() => deps, {
    requestLog: options.requestLog === undefined ? requestLogFromEnv(process.env) : options.requestLog,
  });
}

export interface RunningServer {
  url: string;
  server: ServerType;
  close(): Promise<void>;
}

export function startNodeServer(options: NodeAppOptions & { port?: number; host?: string }): Promise<RunningServer> {
  const deps = createNodeDeps(options);
  const app = createNodeApp(options, deps);
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 8787, hostname: host }, (info: AddressInfo) => {
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`,
        server,
        close: () =>
          new Promise<void>((done) =>
            server.close(() => {
              deps.jobs?.close?.();
              done();
            }),
          ),
      });
    });
    server.once('error', reject);
  });
}
