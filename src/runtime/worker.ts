// The edge entry point: the Hono app in workerd, with models read from static assets (when bound) and the R2
// bucket. Dependencies are built on the first request of an isolate (bindings only exist then) and reused, so
// tokenizers and inference sessions load once per isolate. onnxruntime-web is imported by the first request that
// infers, never by the others.
import { Classifier } from '../core/classify/classifier.ts';
import { inferenceSettingsFromEnv, limitsFromEnv } from '../core/limits.ts';
import { ModelRegistry } from '../core/model-registry.ts';
import { TokenizerRegistry } from '../core/tokenizers.ts';
import { createApp } from '../http/app.ts';
import type { AppDeps } from '../http/deps.ts';
import { DirectRunner } from '../inference/rows.ts';
import { AssetsModelStore, LayeredModelStore } from '../store/assets-store.ts';
import type { ModelStore } from '../store/model-store.ts';
import { R2ModelStore } from '../store/r2-store.ts';

export interface WorkerEnv {
  MODELS: R2Bucket;
  /** Static assets holding model folders (optional; wrangler.toml [assets] with run_worker_first = true). */
  ASSETS?: Fetcher;
  EDGECLASS_MAX_BODY_BYTES?: string;
  EDGECLASS_MAX_INPUTS?: string;
  EDGECLASS_MAX_TEXT_CHARS?: string;
  EDGECLASS_MAX_LABELS?: string;
  EDGECLASS_MAX_PAIRS?: string;
  EDGECLASS_MAX_BATCH_TOKENS?: string;
  EDGECLASS_MAX_BATCH_ROWS?: string;
}

let cached: { bucket: R2Bucket; deps: AppDeps } | null = null;

export function depsFor(env: WorkerEnv): AppDeps {
  if (cached?.bucket !== env.MODELS) {
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
      // One thread per isolate: each request is batched on its own.
      runner: (session, spec) => new DirectRunner(session, spec, { maxTokens: settings.maxBatchTokens, maxRows: settings.maxBatchRows }),
    });
    cached = {
      bucket: env.MODELS,
      deps: { store, tokenizers, models, classifier: new Classifier(models, limits), limits, runtime: 'workerd' },
    };
  }
  return cached.deps;
}

const app = createApp((c) => depsFor(c.env as WorkerEnv));

export default app;
