// The edge entry point: the Hono app in workerd, with models read from static assets (when bound) and the R2
// bucket. Dependencies are built on the first request of an isolate (bindings only exist then) and reused, so
// tokenizers and inference sessions load once per isolate. onnxruntime-web is imported by the first request that
// infers, never by the others.
import { Classifier } from '../core/classify/classifier.ts';
import { remoteLlmFromEnv } from '../core/llm/from-env.ts';
import type { WorkersAiBinding } from '../core/llm/workers-ai.ts';
import { inferenceSettingsFromEnv, limitsFromEnv } from '../core/limits.ts';
import { ModelRegistry, modelDtypeFromEnv } from '../core/model-registry.ts';
import { TokenizerRegistry } from '../core/tokenizers.ts';
import { createApp } from '../http/app.ts';
import type { AppDeps } from '../http/deps.ts';
import { DirectRunner } from '../inference/rows.ts';
import { AssetsModelStore, LayeredModelStore } from '../store/assets-store.ts';
import type { ModelStore } from '../store/model-store.ts';
import { R2ModelStore } from '../store/r2-store.ts';
import { jobsConfigFromEnv, type JobsConfig } from '../jobs/config.ts';
import type { JobsContext, JobsMessage } from '../jobs/context.ts';
import { handleQueueBatch, sweep } from '../jobs/dispatch.ts';
import { cloudflareStorage } from '../storage/cloudflare/index.ts';

export interface WorkerEnv {
  MODELS: R2Bucket;
  /** Fine-tuning: jobs, keys, events, webhooks (migrations/). */
  DB?: D1Database;
  /** Fine-tuning: datasets, checkpoints, result files. */
  FILES?: R2Bucket;
  /** Fine-tuning: job dispatch and webhook retries (producer and consumer: this Worker). */
  JOBS?: Queue<JobsMessage>;
  EDGECLASS_ADMIN_KEY?: string;
  EDGECLASS_WORKER_SECRET?: string;
  EDGECLASS_WORKER_PUSH_URL?: string;
  EDGECLASS_WEBHOOK_ALLOW_PRIVATE?: string;
  /** Static assets holding model folders (optional; wrangler.toml [assets] with run_worker_first = true). */
  ASSETS?: Fetcher;
  EDGECLASS_MAX_BODY_BYTES?: string;
  EDGECLASS_MAX_INPUTS?: string;
  EDGECLASS_MAX_EMBEDDING_INPUTS?: string;
  EDGECLASS_MAX_TEXT_CHARS?: string;
  EDGECLASS_MAX_LABELS?: string;
  EDGECLASS_MAX_PAIRS?: string;
  EDGECLASS_MAX_PAIR_CHARS?: string;
  EDGECLASS_MAX_SEQUENCE_LENGTH?: string;
  EDGECLASS_MAX_OUTPUT_ROWS?: string;
  EDGECLASS_MAX_OUTPUT_TOKENS?: string;
  EDGECLASS_MAX_TEMPLATE_CHARS?: string;
  EDGECLASS_MAX_HYPOTHESIS_CHARS?: string;
  EDGECLASS_LABEL_CACHE_BYTES?: string;
  EDGECLASS_MAX_BATCH_TOKENS?: string;
  EDGECLASS_MAX_BATCH_ROWS?: string;
  /** fp32 (default) or q8: serve onnx/model_quantized.onnx where a model folder has one. */
  EDGECLASS_MODEL_DTYPE?: string;
  /** Workers AI (wrangler.toml [ai] binding = "AI"): strategy llm's chat model when no base URL is set. */
  AI?: WorkersAiBinding;
  /** Strategy llm's remote side (src/core/llm/from-env.ts); EDGECLASS_LLM_API_KEY is a secret. */
  EDGECLASS_LLM_PROVIDER?: string;
  EDGECLASS_LLM_BASE_URL?: string;
  EDGECLASS_LLM_API_KEY?: string;
  EDGECLASS_LLM_MODELS?: string;
  EDGECLASS_LLM_RESPONSE_FORMAT?: string;
  EDGECLASS_LLM_TIMEOUT_MS?: string;
  EDGECLASS_LLM_RETRIES?: string;
}

/** The deps of this isolate, and the bindings they were made from (tests call the handler with other ones). */
let cached: { bucket: R2Bucket; ai: WorkersAiBinding | undefined; deps: AppDeps } | null = null;

/** The fine-tuning core's context over the bindings; null when D1, FILES or JOBS is not bound. */
export function jobsContextFor(
  env: WorkerEnv,
  config: JobsConfig,
  defer: (work: Promise<unknown>) => void,
): JobsContext | null {
  if (!env.DB || !env.FILES || !env.JOBS) return null;
  const storage = cloudflareStorage({ DB: env.DB, FILES: env.FILES, MODELS: env.MODELS, JOBS: env.JOBS });
  return { ...storage, config, now: () => Date.now(), defer };
}

export function depsFor(env: WorkerEnv): AppDeps {
  if (cached?.bucket !== env.MODELS || cached.ai !== env.AI) {
    const vars = env as unknown as Record<string, unknown>;
    const r2 = new R2ModelStore(env.MODELS);
    const store: ModelStore = env.ASSETS ? new LayeredModelStore([new AssetsModelStore(env.ASSETS), r2]) : r2;
    const tokenizers = new TokenizerRegistry(store);
    const limits = limitsFromEnv(vars);
    const settings = inferenceSettingsFromEnv(vars);
    const models = new ModelRegistry({
      store,
      tokenizers,
      runtime: async () => (await import('../inference/ort-web-workerd.ts')).createWorkerdRuntime(),
      dtype: modelDtypeFromEnv(vars),
      // One thread per isolate: each request is batched on its own.
      runner: (session, spec) =>
        new DirectRunner(session, spec, { maxTokens: settings.maxBatchTokens, maxRows: settings.maxBatchRows }),
    });
    const jobsConfig = jobsConfigFromEnv(vars);
    const jobs =
      env.DB && env.FILES && env.JOBS
        ? {
            config: jobsConfig,
            context: (defer: (work: Promise<unknown>) => void) => jobsContextFor(env, jobsConfig, defer)!,
          }
        : undefined;
    const classifier = new Classifier(models, limits, { remoteLlm: remoteLlmFromEnv(vars, env.AI) });
    cached = {
      bucket: env.MODELS,
      ai: env.AI,
      deps: { store, tokenizers, models, classifier, limits, runtime: 'workerd', jobs },
    };
  }
  return cached.deps;
}

const app = createApp((c) => depsFor(c.env as WorkerEnv));

function backgroundContext(env: WorkerEnv, ctx: ExecutionContext): JobsContext | null {
  return jobsContextFor(env, jobsConfigFromEnv(env as unknown as Record<string, unknown>), (work) =>
    ctx.waitUntil(work),
  );
}

export default {
  fetch: app.fetch,
  /** The JOBS queue: job dispatch and webhook deliveries (src/jobs/dispatch.ts). */
  async queue(batch: MessageBatch<JobsMessage>, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const jobs = backgroundContext(env, ctx);
    if (!jobs) throw new Error('the JOBS queue delivered a batch, but DB or FILES is not bound');
    await handleQueueBatch(jobs, batch);
  },
  /** The cron trigger: end jobs whose worker vanished, re-send lost webhook messages. */
  async scheduled(_controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const jobs = backgroundContext(env, ctx);
    if (jobs) await sweep(jobs);
  },
} satisfies ExportedHandler<WorkerEnv, JobsMessage>;
