// The edge entry point: the Hono app in workerd, with models read from the R2 binding. Dependencies are built on
// the first request of an isolate (bindings only exist then) and reused, so tokenizers load once per isolate.
import { limitsFromEnv } from '../core/limits.ts';
import { TokenizerRegistry } from '../core/tokenizers.ts';
import { createApp } from '../http/app.ts';
import type { AppDeps } from '../http/deps.ts';
import { R2ModelStore } from '../store/r2-store.ts';

export interface WorkerEnv {
  MODELS: R2Bucket;
  EDGECLASS_MAX_BODY_BYTES?: string;
  EDGECLASS_MAX_INPUTS?: string;
  EDGECLASS_MAX_TEXT_CHARS?: string;
}

let cached: { bucket: R2Bucket; deps: AppDeps } | null = null;

function depsFor(env: WorkerEnv): AppDeps {
  if (cached?.bucket !== env.MODELS) {
    const store = new R2ModelStore(env.MODELS);
    cached = {
      bucket: env.MODELS,
      deps: { store, tokenizers: new TokenizerRegistry(store), limits: limitsFromEnv(env as unknown as Record<string, unknown>), runtime: 'workerd' },
    };
  }
  return cached.deps;
}

const app = createApp((c) => depsFor(c.env as WorkerEnv));

export default app;
