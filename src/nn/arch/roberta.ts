// RoBERTa (transformers' RobertaModel / RobertaForSequenceClassification): BERT's layers and names, positions that
// start after the pad id, one token type, and a dense + tanh + out_proj head on <s> (no pooler).
import { ops } from '../../graph/index.ts';
import type { EncoderDefaults } from '../config.ts';
import { linear } from '../layers.ts';
import { BERT_CONFIG_KEYS, BERT_DEFAULTS, BERT_NAMES, bertLikeInitConfig } from './bert.ts';
import { paddingOffsetPositions } from './positions.ts';
import type { EncoderArchitecture, InitConfigInput } from './types.ts';

// RobertaConfig's own defaults are BERT's except the vocabulary and special tokens; roberta-base's type_vocab_size 1,
// layer_norm_eps 1e-5 and max_position_embeddings 514 come from its config.json, not from the class, so a RoBERTa
// config.json that omits them gets the BERT values in Python too.
export const ROBERTA_DEFAULTS: EncoderDefaults = {
  ...BERT_DEFAULTS,
  vocabSize: 50265,
  padTokenId: 1,
  bosTokenId: 0,
  eosTokenId: 2,
};

/** RoBERTa's architecture under another model type and class name (XLM-RoBERTa is RoBERTa's math). */
export function robertaLike(modelType: 'roberta' | 'xlm-roberta', classStem: string, defaults: EncoderDefaults) {
  const arch: EncoderArchitecture = {
    family: 'encoder',
    modelType,
    classStem,
    // XLMRobertaForSequenceClassification's base_model_prefix is roberta too.
    checkpointPrefix: 'roberta.',
    baseRoots: ['embeddings.', 'encoder.', 'pooler.'],
    layout: { embeddings: ['embeddings.'], layer: (i) => `encoder.layer.${i}.` },
    config: { defaults, keys: BERT_CONFIG_KEYS },
    names: BERT_NAMES,
    tokenTypeIds: false,
    positionIds: (g, c, inputIds) => paddingOffsetPositions(g, c.padTokenId, inputIds),
    maxSequenceLength: (c) => c.maxPositionEmbeddings - (c.padTokenId + 1),
    paddingRows: ['embeddings.word_embeddings.weight', 'embeddings.position_embeddings.weight'],
    optionalWeights: () => [],
    headWeights: (c) => [
      { name: 'classifier.dense.weight', shape: [c.hiddenSize, c.hiddenSize] },
      { name: 'classifier.dense.bias', shape: [c.hiddenSize] },
      { name: 'classifier.out_proj.weight', shape: [c.id2label.length, c.hiddenSize] },
      { name: 'classifier.out_proj.bias', shape: [c.id2label.length] },
    ],
    // h[:, 0] -> dropout -> classifier.dense -> tanh -> dropout -> classifier.out_proj
    hfHead: (params, c, hidden, dropout) => {
      const H = c.hiddenSize;
      const p = c.classifierDropout ?? c.hiddenDropoutProb;
      const first = ops.gather(hidden, hidden.graph.constInt64([0], []), 1); // [B, H]
      const dense = ops.tanh(linear(params, 'classifier.dense', dropout(first, p), H, H));
      return linear(params, 'classifier.out_proj', dropout(dense, p), H, c.id2label.length);
    },
    initConfig: (o: InitConfigInput) => {
      const pad = o.padTokenId ?? 1;
      return {
        ...bertLikeInitConfig(o),
        model_type: modelType,
        architectures: [o.classifier ? `${classStem}ForSequenceClassification` : `${classStem}Model`],
        max_position_embeddings: o.maxPositionEmbeddings ?? o.maxLength + pad + 1,
        type_vocab_size: 1,
        layer_norm_eps: 1e-5,
        pad_token_id: pad,
        bos_token_id: o.bosTokenId ?? 0,
        eos_token_id: o.eosTokenId ?? 2,
      };
    },
  };
  return arch;
}

export const roberta = robertaLike('roberta', 'Roberta', ROBERTA_DEFAULTS);
