// Post-LN transformer encoders (Hugging Face BertModel, RobertaModel, XLMRobertaModel, DistilBertModel), written
// once: the architectures differ in their tensor names, their position ids and whether token types are an input,
// which their modules (./arch/) say.
import { ops, type Graph, type Value } from '../graph/index.ts';
import { encoderArchitecture } from './arch/index.ts';
import type { EncoderArchitecture } from './arch/types.ts';
import type { ModelConfig } from './config.ts';
import { gelu, layerNorm, linear, noDropout, type Dropout } from './layers.ts';
import type { Params } from './params.ts';

export interface EncoderInputs {
  inputIds: Value; // [B, T] int64
  attentionMask: Value; // [B, T] int64, 1 real / 0 pad
  tokenTypeIds: Value | null; // [B, T] int64, BERT only
}

export interface EncoderOutputs {
  positionIds: Value; // [B, T] int64
  /** Embeddings output, then each layer's output: L + 1 values of [B, T, H]. */
  hiddenStates: Value[];
  lastHiddenState: Value; // [B, T, H]
}

/** The float32 minimum that transformers adds to masked attention scores. */
const MASKED = -3.4028234663852886e38;

/** Declares the graph inputs an encoder of this config takes (token_type_ids only where there are token types). */
export function encoderInputs(g: Graph, config: ModelConfig): EncoderInputs {
  const dims = ['batch_size', 'sequence_length'];
  return {
    inputIds: g.input('input_ids', 'int64', dims),
    attentionMask: g.input('attention_mask', 'int64', dims),
    tokenTypeIds: hasTokenTypes(config) ? g.input('token_type_ids', 'int64', dims) : null,
  };
}

export function hasTokenTypes(config: ModelConfig): boolean {
  return encoderArchitecture(config.modelType).tokenTypeIds;
}

function embeddings(
  params: Params,
  arch: EncoderArchitecture,
  config: ModelConfig,
  inputs: EncoderInputs,
  positions: Value,
  dropout: Dropout,
): Value {
  const g = inputs.inputIds.graph;
  const H = config.hiddenSize;
  const n = arch.names;
  const words = ops.gather(params.get(`${n.wordEmbeddings}.weight`, [config.vocabSize, H]), inputs.inputIds); // [B, T, H]
  const pos = ops.gather(params.get(`${n.positionEmbeddings}.weight`, [config.maxPositionEmbeddings, H]), positions); // [B, T, H]
  let sum = words;
  if (n.tokenTypeEmbeddings !== null) {
    const typeTable = params.get(`${n.tokenTypeEmbeddings}.weight`, [config.typeVocabSize, H]);
    // Without a token_type_ids input (RoBERTa) every token has type 0, as transformers' default buffer.
    const types = inputs.tokenTypeIds
      ? ops.gather(typeTable, inputs.tokenTypeIds)
      : ops.gather(typeTable, g.constInt64([0], [])); // [B, T, H] | [H]
    sum = ops.add(sum, types);
  }
  return dropout(
    layerNorm(params, n.embeddingsNorm, ops.add(sum, pos), H, config.layerNormEps),
    config.hiddenDropoutProb,
  );
}

/** [B, T, H] -> [B, nh, T, hd] */
function splitHeads(x: Value, heads: number, headDim: number): Value {
  return ops.transpose(ops.reshape(x, [0, 0, heads, headDim]), [0, 2, 1, 3]);
}

function selfAttention(
  params: Params,
  arch: EncoderArchitecture,
  config: ModelConfig,
  prefix: string,
  x: Value,
  maskBias: Value,
  dropout: Dropout,
): Value {
  const n = arch.names;
  const H = config.hiddenSize;
  const nh = config.numAttentionHeads;
  const hd = H / nh;
  const q = splitHeads(linear(params, `${prefix}.${n.query}`, x, H, H), nh, hd); // [B, nh, T, hd]
  const k = splitHeads(linear(params, `${prefix}.${n.key}`, x, H, H), nh, hd); // [B, nh, T, hd]
  const v = splitHeads(linear(params, `${prefix}.${n.value}`, x, H, H), nh, hd); // [B, nh, T, hd]
  const scores = ops.add(ops.div(ops.matmul(q, ops.transpose(k, [0, 1, 3, 2])), Math.sqrt(hd)), maskBias); // [B, nh, T, T]
  const probs = dropout(ops.softmax(scores, -1), config.attentionProbsDropoutProb); // [B, nh, T, T]
  const context = ops.reshape(ops.transpose(ops.matmul(probs, v), [0, 2, 1, 3]), [0, 0, H]); // [B, T, H]
  const projected = dropout(linear(params, `${prefix}.${n.attentionOutput}`, context, H, H), config.hiddenDropoutProb);
  return layerNorm(params, `${prefix}.${n.attentionNorm}`, ops.add(projected, x), H, config.layerNormEps);
}

function encoderLayer(
  params: Params,
  arch: EncoderArchitecture,
  config: ModelConfig,
  index: number,
  x: Value,
  maskBias: Value,
  dropout: Dropout,
): Value {
  const n = arch.names;
  const prefix = n.layer(index);
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const attended = selfAttention(params, arch, config, prefix, x, maskBias, dropout); // [B, T, H]
  const inner = gelu(linear(params, `${prefix}.${n.intermediate}`, attended, H, I)); // [B, T, I]
  const out = dropout(linear(params, `${prefix}.${n.output}`, inner, I, H), config.hiddenDropoutProb); // [B, T, H]
  return layerNorm(params, `${prefix}.${n.outputNorm}`, ops.add(out, attended), H, config.layerNormEps);
}

/** (1 - mask) * float32 min, [B, 1, 1, T]: masks keys for every head and query (padded queries still compute). */
function attentionMaskBias(mask: Value, dtype: 'float32' | 'float64'): Value {
  const m = ops.cast(ops.unsqueeze(mask, [1, 2]), dtype); // [B, 1, 1, T]
  return ops.mul(ops.sub(mask.graph.constFloat(1, [], dtype), m), MASKED);
}

export function buildEncoder(
  params: Params,
  config: ModelConfig,
  inputs: EncoderInputs,
  dropout: Dropout = noDropout,
): EncoderOutputs {
  const arch = encoderArchitecture(config.modelType);
  const positions = arch.positionIds(inputs.inputIds.graph, config, inputs.inputIds);
  const maskBias = attentionMaskBias(inputs.attentionMask, params.dtype);
  const hiddenStates = [embeddings(params, arch, config, inputs, positions, dropout)];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    hiddenStates.push(encoderLayer(params, arch, config, i, hiddenStates[i], maskBias, dropout));
  }
  return { positionIds: positions, hiddenStates, lastHiddenState: hiddenStates[hiddenStates.length - 1] };
}
