// The classify operation's request, result and strategy interface. A strategy turns (inputs, labels) into one
// score per label per input; ranking, top_k and the answer's shape are common (./classify.ts).
import type { CausalLmRegistry } from '../causal-lms.ts';
import type { RemoteLlm } from '../llm/chat.ts';
import type { Limits } from '../limits.ts';
import type { ModelRegistry } from '../model-registry.ts';
import type { LabelEmbeddingCache } from './label-cache.ts';

export type StrategyName = 'embedding' | 'nli' | 'model' | 'llm';

export interface ClassifyRequest {
  model: string;
  /** The graph variant (transformers.js' dtype names); EDGECLASS_MODEL_DTYPE's when absent. */
  dtype?: string;
  inputs: string[];
  labels?: string[];
  strategy?: string;
  hypothesis_template?: string;
  multi_label?: boolean;
  top_k?: number;
  /** embedding: scores are softmax(cosine / temperature); multi-label: sigmoid((cosine - threshold) / temperature). */
  temperature?: number;
  /** embedding, multi_label: the cosine similarity that scores 0.5. */
  threshold?: number;
}

/** The request options a strategy may read; any other one given is refused (400 naming it). */
export type StrategyOption = 'hypothesis_template' | 'multi_label' | 'top_k' | 'temperature' | 'threshold';

export interface ClassifyContext {
  models: ModelRegistry;
  limits: Limits;
  labelEmbeddings: LabelEmbeddingCache;
  /** Strategy llm's local models (causal LMs in the store). */
  causalLms: CausalLmRegistry;
  /** Strategy llm's chat endpoint and the model names it serves; null when none is configured. */
  remoteLlm: RemoteLlm | null;
}

export interface StrategyOutput {
  /** Label names, in the order of each row of `scores`. */
  labels: string[];
  /** scores[i][j]: input i, label j. */
  scores: number[][];
  /** Tokens the model read. */
  tokens: number;
}

export interface ClassifyStrategy {
  readonly name: string;
  /** 'required': candidate labels come with the request; 'forbidden': the model's own labels are used. */
  readonly labels: 'required' | 'forbidden';
  readonly options: readonly StrategyOption[];
  /** `labels` is validated (non-empty, unique, within limits) when required. */
  classify(ctx: ClassifyContext, request: ClassifyRequest & { labels: string[] }): Promise<StrategyOutput>;
}

export interface ClassifyResult {
  labels: string[];
  scores: number[];
}

export interface ClassifyResponse {
  model: string;
  strategy: string;
  results: ClassifyResult[];
  usage: { tokens: number };
}
