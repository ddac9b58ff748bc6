// The strategies /v1/classify can use, by name. This registry is the extension point: a strategy is an object
// implementing ClassifyStrategy (./types.ts), registered under its name (a registration replaces the strategy of
// the same name).
import { embeddingStrategy } from './embedding.ts';
import { llmStrategy } from './llm.ts';
import { modelStrategy } from './model.ts';
import { nliStrategy } from './nli.ts';
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

export function defaultStrategies(): StrategyRegistry {
  return new StrategyRegistry()
    .register(embeddingStrategy)
    .register(nliStrategy)
    .register(modelStrategy)
    .register(llmStrategy);
}
