// The strategies /v1/classify can use, by name. This registry is the extension point: a strategy is an object
// implementing ClassifyStrategy (./types.ts), registered under its name. `llm` is a placeholder that answers
// 422 "strategy llm is not available yet" until the LLM strategy (src/core/classify/llm-*.ts) registers itself
// in its place: `strategies.register(llmStrategy)` in defaultStrategies() below.
import { embeddingStrategy } from './embedding.ts';
import { modelStrategy } from './model.ts';
import { nliStrategy } from './nli.ts';
import type { ClassifyStrategy } from './types.ts';

/** A name the API accepts that has no implementation yet. */
export interface UnavailableStrategy {
  readonly name: string;
  readonly unavailable: string;
}

export class StrategyRegistry {
  private readonly entries = new Map<string, ClassifyStrategy | UnavailableStrategy>();

  /** Adds a strategy, or replaces the one (or the placeholder) of the same name. */
  register(strategy: ClassifyStrategy | UnavailableStrategy): this {
    this.entries.set(strategy.name, strategy);
    return this;
  }

  get(name: string): ClassifyStrategy | UnavailableStrategy | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }
}

export function isUnavailable(s: ClassifyStrategy | UnavailableStrategy): s is UnavailableStrategy {
  return 'unavailable' in s;
}

export function defaultStrategies(): StrategyRegistry {
  return new StrategyRegistry()
    .register(embeddingStrategy)
    .register(nliStrategy)
    .register(modelStrategy)
    .register({ name: 'llm', unavailable: 'strategy llm is not available yet' });
}
