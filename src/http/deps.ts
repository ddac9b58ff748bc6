// What the HTTP layer needs from the runtime: a model store, the tokenizer cache over it, and the limits.
// Built once per process (Node) or per isolate (workerd) by the runtime adapter.
import type { Limits } from '../core/limits.ts';
import type { TokenizerRegistry } from '../core/tokenizers.ts';
import type { ModelStore } from '../store/model-store.ts';

export interface AppDeps {
  store: ModelStore;
  tokenizers: TokenizerRegistry;
  limits: Limits;
  /** 'workerd' or 'node', reported by /healthz. */
  runtime: string;
}

export type AppEnv = { Variables: { deps: AppDeps } };
