// What the HTTP layer needs from the runtime: a model store, the tokenizer cache over it, the models ready to run,
// the classifier, and the limits. Built once per process (Node) or per isolate (workerd) by the runtime adapter.
import type { Classifier } from '../core/classify/classifier.ts';
import type { Limits } from '../core/limits.ts';
import type { ModelRegistry } from '../core/model-registry.ts';
import type { TokenizerRegistry } from '../core/tokenizers.ts';
import type { ModelStore } from '../store/model-store.ts';

export interface AppDeps {
  store: ModelStore;
  tokenizers: TokenizerRegistry;
  models: ModelRegistry;
  classifier: Classifier;
  limits: Limits;
  /** 'workerd' or 'node', reported by /healthz. */
  runtime: string;
}

export type AppEnv = { Variables: { deps: AppDeps } };
