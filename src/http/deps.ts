// What the HTTP layer needs from the runtime: a model store, the tokenizer cache over it, the models ready to run,
// the classifier, and the limits. Built once per process (Node) or per isolate (workerd) by the runtime adapter.
// The App type lives here too, so routes can name it without importing app.ts (which imports every route).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Classifier } from '../core/classify/classifier.ts';
import type { Limits } from '../core/limits.ts';
import type { ModelRegistry } from '../core/model-registry.ts';
import type { TokenizerRegistry } from '../core/tokenizers.ts';
import type { MetricsTelemetry } from '../core/telemetry.ts';
import type { ModelStore } from '../store/model-store.ts';
import type { JobsConfig } from '../jobs/config.ts';
import type { JobsContext } from '../jobs/context.ts';

export interface AppDeps {
  store: ModelStore;
  tokenizers: TokenizerRegistry;
  models: ModelRegistry;
  classifier: Classifier;
  limits: Limits;
  /** 'workerd' or 'node', reported by /healthz. */
  runtime: string;
  /** Metrics: where requests, tokenization and runs are reported, and GET /metrics's exposition (Node only). */
  telemetry?: MetricsTelemetry;
  /** Fine-tuning (files, jobs, triggers, the worker API): where D1, R2 and a Queue are bound (workerd), or over a
   * data folder on Node (`edgeclass serve --data-dir`). */
  jobs?: JobsProvider;
}

export interface JobsProvider {
  config: JobsConfig;
  /** The core's context for one request; `defer` runs work after the response (ctx.waitUntil). */
  context(defer: (work: Promise<unknown>) => void): JobsContext;
  /** Releases the storage (Node's database file) when the server stops. */
  close?(): void;
}

/** Who a request is, once a route's auth middleware has run (src/http/auth.ts). */
export interface RequestAuth {
  jobs: JobsContext;
  /** The API key's owner; '' for the admin token and for signed worker requests. */
  owner: string;
  keyId: string | null;
}

export type AppEnv = { Variables: { deps: AppDeps; auth: RequestAuth } };

export type App = OpenAPIHono<AppEnv>;
