// BERT (transformers' BertModel / BertForSequenceClassification): token types, positions 0..T-1, a tanh pooler.
import { ops, type Value } from '../../graph/index.ts';
import type { EncoderDefaults, EncoderField } from '../config.ts';
import { linear } from '../layers.ts';
import type { Params } from '../params.ts';
import { arangePositions } from './positions.ts';
import type { EncoderArchitecture, EncoderNames, InitConfigInput } from './types.ts';

/** BertConfig's key names, which RoBERTa and XLM-RoBERTa share. */
export const BERT_CONFIG_KEYS: Record<EncoderField, string> = {
  vocabSize: 'vocab_size',
  hiddenSize: 'hidden_size',
  numHiddenLayers: 'num_hidden_layers',
  numAttentionHeads: 'num_attention_heads',
  intermediateSize: 'intermediate_size',
  hiddenAct: 'hidden_act',
  maxPositionEmbeddings: 'max_position_embeddings',
  typeVocabSize: 'type_vocab_size',
  layerNormEps: 'layer_norm_eps',
  padTokenId: 'pad_token_id',
  hiddenDropoutProb: 'hidden_dropout_prob',
  attentionProbsDropoutProb: 'attention_probs_dropout_prob',
  classifierDropout: 'classifier_dropout',
};

/** BertModel's tensor names, which RoBERTa and XLM-RoBERTa share. */
export const BERT_NAMES: EncoderNames = {
  wordEmbeddings: 'embeddings.word_embeddings',
  positionEmbeddings: 'embeddings.position_embeddings',
  tokenTypeEmbeddings: 'embeddings.token_type_embeddings',
  embeddingsNorm: 'embeddings.LayerNorm',
  layer: (i) => `encoder.layer.${i}`,
  query: 'attention.self.query',
  key: 'attention.self.key',
  value: 'attention.self.value',
  attentionOutput: 'attention.output.dense',
  attentionNorm: 'attention.output.LayerNorm',
  intermediate: 'intermediate.dense',
  output: 'output.dense',
  outputNorm: 'output.LayerNorm',
};

/** config.json keys every BERT-like init-model writes. */
export function bertLikeInitConfig(o: InitConfigInput): Record<string, unknown> {
  return {
    vocab_size: o.vocabSize,
    hidden_size: o.hidden,
    num_hidden_layers: o.layers,
    num_attention_heads: o.heads,
    intermediate_size: o.intermediate,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    classifier_dropout: null,
    initializer_range: o.std,
  };
}

/** BertConfig's class defaults. */
export const BERT_DEFAULTS: EncoderDefaults = {
  vocabSize: 30522,
  hiddenSize: 768,
  numHiddenLayers: 12,
  numAttentionHeads: 12,
  intermediateSize: 3072,
  hiddenAct: 'gelu',
  maxPositionEmbeddings: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  padTokenId: 0,
  hiddenDropoutProb: 0.1,
  attentionProbsDropoutProb: 0.1,
  classifierDropout: null,
};

export const bert: EncoderArchitecture = {
  family: 'encoder',
  modelType: 'bert',
  classStem: 'Bert',
  checkpointPrefix: 'bert.',
  baseRoots: ['embeddings.', 'encoder.', 'pooler.'],
  layout: { embeddings: ['embeddings.'], layer: (i) => `encoder.layer.${i}.` },
  config: {
    defaults: BERT_DEFAULTS,
    keys: BERT_CONFIG_KEYS,
  },
  names: BERT_NAMES,
  tokenTypeIds: true,
  positionIds: (g, _config, inputIds) => arangePositions(g, inputIds),
  maxSequenceLength: (c) => c.maxPositionEmbeddings,
  paddingRows: ['embeddings.word_embeddings.weight'],
  optionalWeights: (c) => [
    { name: 'pooler.dense.weight', shape: [c.hiddenSize, c.hiddenSize] },
    { name: 'pooler.dense.bias', shape: [c.hiddenSize] },
  ],
  headWeights: (c) => [
    { name: 'pooler.dense.weight', shape: [c.hiddenSize, c.hiddenSize] },
    { name: 'pooler.dense.bias', shape: [c.hiddenSize] },
    { name: 'classifier.weight', shape: [c.id2label.length, c.hiddenSize] },
    { name: 'classifier.bias', shape: [c.id2label.length] },
  ],
  // BertForSequenceClassification: tanh(pooler.dense(h[:, 0])) -> dropout -> classifier.
  hfHead: (params, c, hidden, dropout) =>
    linear(
      params,
      'classifier',
      dropout(bertPooler(params, c.hiddenSize, hidden), c.classifierDropout ?? c.hiddenDropoutProb),
      c.hiddenSize,
      c.id2label.length,
    ),
  initConfig: (o) => ({
    ...bertLikeInitConfig(o),
    model_type: 'bert',
    architectures: [o.classifier ? 'BertForSequenceClassification' : 'BertModel'],
    max_position_embeddings: o.maxPositionEmbeddings ?? o.maxLength,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    pad_token_id: o.padTokenId ?? 0,
  }),
};

/** BertModel's pooler: tanh(dense(h[:, 0])). [B, T, H] -> [B, H] */
export function bertPooler(params: Params, H: number, hidden: Value): Value {
  const first = ops.gather(hidden, hidden.graph.constInt64([0], []), 1);
  return ops.tanh(linear(params, 'pooler.dense', first, H, H));
}
