// What an architecture module (one per config model_type, in this folder) tells the rest of edgeclass. Two families:
// encoders (post-LN transformers with a classification head: built by ../encoder.ts from the names and rules given
// here) and causal LMs (decoders with their own builder, config and folder code). Nothing outside this folder asks
// which model_type a model is; it asks the module (architecture() in index.ts) instead.
import type { Graph, Value } from '../../graph/index.ts';
import type { EncoderConfigSpec, ModelConfig, ModelType } from '../config.ts';
import type { Dropout } from '../layers.ts';
import type { Params } from '../params.ts';

export interface TensorShape {
  name: string;
  shape: number[];
}

/**
 * Canonical (base-model, unprefixed) checkpoint names of a post-LN encoder: Hugging Face's own, so a checkpoint
 * round-trips with the names transformers writes. Layer parts are relative to `layer(i)`.
 */
export interface EncoderNames {
  wordEmbeddings: string;
  positionEmbeddings: string;
  /** null: no token types at all (DistilBERT). */
  tokenTypeEmbeddings: string | null;
  embeddingsNorm: string;
  /** 'encoder.layer.3' */
  layer: (i: number) => string;
  query: string;
  key: string;
  value: string;
  attentionOutput: string;
  attentionNorm: string;
  intermediate: string;
  output: string;
  outputNorm: string;
}

/** What config.json init-model writes is made from: the tokenizer's facts and the command's sizes. */
export interface InitConfigInput {
  vocabSize: number;
  padTokenId: number | null;
  bosTokenId: number | null;
  eosTokenId: number | null;
  /** The tokenizer's model_max_length (512 when it does not say). */
  maxLength: number;
  maxPositionEmbeddings?: number;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  std: number;
  /** Whether the model gets its Hugging Face classification head (architectures: ...ForSequenceClassification). */
  classifier: boolean;
}

/** What "the embeddings" and "the first N layers" are, for freezing and for inspect: name prefixes. */
export interface ModuleLayout {
  /** Prefixes of the embedding parameters ('embeddings.'). */
  embeddings: string[];
  /** The prefix of transformer block i, with its dot ('encoder.layer.3.'). */
  layer: (i: number) => string;
}

export interface EncoderArchitecture {
  family: 'encoder';
  layout: ModuleLayout;
  modelType: ModelType;
  /** transformers' class name stem: `${stem}Model`, `${stem}ForSequenceClassification`. */
  classStem: string;
  /** The base model's attribute in the task classes, with its dot ('bert.'; XLM-RoBERTa's is 'roberta.'). */
  checkpointPrefix: string;
  /** First parts of the base model's tensor names: what gets `checkpointPrefix` in a task checkpoint. */
  baseRoots: string[];
  config: EncoderConfigSpec;
  names: EncoderNames;
  /**
   * Whether token_type_ids is a graph input. RoBERTa has a one-row token type table but no such input (every token
   * has type 0, transformers' default buffer); DistilBERT has neither.
   */
  tokenTypeIds: boolean;
  /** Position ids [B, T] int64 from input_ids [B, T]. */
  positionIds(g: Graph, config: ModelConfig, inputIds: Value): Value;
  /** The longest sequence the position table holds (RoBERTa's positions start after the pad id). */
  maxSequenceLength(config: ModelConfig): number;
  /** Embedding tables whose pad row is zero at init (nn.Embedding(padding_idx)). */
  paddingRows: string[];
  /** Base-model tensors a checkpoint may or may not carry (BERT's pooler). */
  optionalWeights(config: ModelConfig): TensorShape[];
  /** The Hugging Face ForSequenceClassification head's tensors (pooler included where the head uses it). */
  headWeights(config: ModelConfig): TensorShape[];
  /** That head: last_hidden_state [B, T, H] -> logits [B, C]. */
  hfHead(params: Params, config: ModelConfig, hidden: Value, dropout: Dropout): Value;
  /** config.json for init-model (before parsing), in this architecture's own keys. */
  initConfig(o: InitConfigInput): Record<string, unknown>;
}

/** Options of init-model for a causal LM. */
export interface CausalInitOptions {
  layers: number;
  hidden: number;
  heads: number;
  /** Key/value heads (grouped-query attention); the attention heads when absent. */
  kvHeads?: number;
  /** MLP width; the architecture's default when absent. */
  intermediate?: number;
  /** Untie lm_head from the token embeddings. */
  untied?: boolean;
  tokenizerDir: string;
  seed: number;
  std?: number;
  out: string;
}

/** What export writes for a causal LM: `text-generation` (no cache) or `text-generation-with-past` (Optimum's names). */
export interface CausalExportOptions {
  task?: string;
  pooling?: unknown;
  normalize?: boolean;
  out?: string;
}

export interface CausalExportResult {
  file: string;
  spec: { task: 'text-generation' | 'text-generation-with-past'; pooling: null; normalize: false };
  bytes: number;
}

/** A decoder-only LM: its config, checkpoint names, builder and folder code live in its own files. */
export interface CausalLmArchitecture<C = unknown> {
  family: 'causal-lm';
  modelType: 'gpt2' | 'llama';
  layout: ModuleLayout;
  parseConfig(json: unknown): C;
  numLayers(config: C): number;
  /** Every parameter of the ForCausalLM model, canonical names (lm_head only when untied). */
  expectedWeights(config: C): TensorShape[];
  /** Checkpoint names -> canonical names (bare base-model names get the prefix, tied copies are dropped). */
  canonicalWeights(
    tensors: Map<string, { shape: number[]; data: Float32Array }>,
    config: C,
  ): Map<string, { shape: number[]; data: Float32Array }>;
  exportFolder(dir: string, options: CausalExportOptions): CausalExportResult;
  initModel(o: CausalInitOptions): { dir: string; onnx: string; summary: string };
}
