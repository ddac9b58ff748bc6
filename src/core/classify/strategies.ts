// The strategies /v1/classify can use, by name. This registry is the extension point: a strategy is an object
// implementing ClassifyStrategy (./types.ts), registered under its name (a registration replaces the strategy of
// the same name). The request schema does not fix the names: a request's strategy is checked against this registry
// when the request is served (Classifier.classify), so a registered strategy is usable over HTTP.
import { embeddingStrategy } from './embedding.ts';
import { llmStrategy } from './llm.ts';
import { modelStrategy } from './model.ts';
import { nliStrategy } from './nli.ts';
import { BUILTIN_STRATEGY_NAMES, type BuiltinStrategyName } from './strategy-names.ts';
import type { ClassifyStrategy } from './types.ts';

export class StrategyRegistry {
  private readonly entries = new Map<string, ClassifyStrategy>();

  /** Adds a strategy, or replaces the one of the same name. */
  register(strategy: ClassifyStrategy): this {
    this.entries.set(strategy.name, strategy);
    return this;
  }

  get(name: string): ClassifyStrategy | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }
}

/** The strategies every classifier starts with, by name (a server may register more). */
const BUILTIN_BY_NAME: Record<BuiltinStrategyName, ClassifyStrategy> = {
  embedding: embeddingStrategy,
  nli: nliStrategy,
  model: modelStrategy,
  llm: llmStrategy,
};

export const BUILTIN_STRATEGIES: readonly ClassifyStrategy[] = BUILTIN_STRATEGY_NAMES.map(
  (name) => BUILTIN_BY_NAME[name],
);

export function defaultStrategies(): StrategyRegistry {
  const registry = new StrategyRegistry();
  for (const strategy of BUILTIN_STRATEGIES) registry.register(strategy);
  return registry;
}
