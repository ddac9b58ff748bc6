// Llama-family causal LMs (transformers' LlamaForCausalLM): RMSNorm, rotary embeddings, SwiGLU, grouped-query
// attention, tied or untied lm_head. Config: ../llama-config.ts; builder: ../llama.ts; folders: ../llama-folder.ts.
import { parseLlamaConfig, type LlamaConfig } from '../llama-config.ts';
import { exportLlama, initLlamaModel } from '../llama-folder.ts';
import { canonicalLlamaWeightNames, expectedLlamaWeights } from '../llama.ts';
import type { CausalLmArchitecture } from './types.ts';

export const llama: CausalLmArchitecture<LlamaConfig> = {
  family: 'causal-lm',
  modelType: 'llama',
  layout: { embeddings: ['model.embed_tokens.'], layer: (i) => `model.layers.${i}.` },
  parseConfig: parseLlamaConfig,
  numLayers: (c) => c.numHiddenLayers,
  expectedWeights: expectedLlamaWeights,
  canonicalWeights: canonicalLlamaWeightNames,
  exportFolder: exportLlama,
  initModel: (o) => {
    const { dir, onnx, config: c } = initLlamaModel(o);
    const tie = c.tieWordEmbeddings ? 'tied' : 'untied';
    return {
      dir,
      onnx,
      summary: `llama, ${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, ${c.numAttentionHeads}/${c.numKeyValueHeads} heads, ${tie} lm_head`,
    };
  },
};
