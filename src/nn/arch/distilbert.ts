// DistilBERT (transformers' DistilBertModel / DistilBertForSequenceClassification): a BERT post-LN layer under other
// names (`transformer.layer.i.attention.q_lin`, `sa_layer_norm`, `ffn.lin1`, ...), no token types, positions 0..T-1,
// LayerNorm eps 1e-12 hard-coded (no config key), and a ReLU pre_classifier head on h[:, 0] (no pooler).
// config.json has its own keys: dim, n_layers, n_heads, hidden_dim, activation, dropout, attention_dropout.
import { ops } from '../../graph/index.ts';
import { linear } from '../layers.ts';
import { arangePositions } from './positions.ts';
import type { EncoderArchitecture } from './types.ts';

export const distilbert: EncoderArchitecture = {
  family: 'encoder',
  modelType: 'distilbert',
  classStem: 'DistilBert',
  checkpointPrefix: 'distilbert.',
  baseRoots: ['embeddings.', 'transformer.'],
  layout: { embeddings: ['embeddings.'], layer: (i) => `transformer.layer.${i}.` },
  config: {
    // DistilBertConfig's class defaults.
    defaults: {
      vocabSize: 30522,
      hiddenSize: 768,
      numHiddenLayers: 6,
      numAttentionHeads: 12,
      intermediateSize: 3072,
      hiddenAct: 'gelu',
      maxPositionEmbeddings: 512,
      typeVocabSize: 0,
      layerNormEps: 1e-12,
      padTokenId: 0,
      hiddenDropoutProb: 0.1,
      attentionProbsDropoutProb: 0.1,
      classifierDropout: 0.2,
    },
    keys: {
      vocabSize: 'vocab_size',
      hiddenSize: 'dim',
      numHiddenLayers: 'n_layers',
      numAttentionHeads: 'n_heads',
      intermediateSize: 'hidden_dim',
      hiddenAct: 'activation',
      maxPositionEmbeddings: 'max_position_embeddings',
      typeVocabSize: null,
      layerNormEps: null,
      padTokenId: 'pad_token_id',
      hiddenDropoutProb: 'dropout',
      attentionProbsDropoutProb: 'attention_dropout',
      classifierDropout: 'seq_classif_dropout',
    },
    refuse: (json) =>
      json.sinusoidal_pos_embds === true
        ? ['sinusoidal_pos_embds', 'must be false (edgeclass implements learned position embeddings only)']
        : null,
  },
  names: {
    wordEmbeddings: 'embeddings.word_embeddings',
    positionEmbeddings: 'embeddings.position_embeddings',
    tokenTypeEmbeddings: null,
    embeddingsNorm: 'embeddings.LayerNorm',
    layer: (i) => `transformer.layer.${i}`,
    query: 'attention.q_lin',
    key: 'attention.k_lin',
    value: 'attention.v_lin',
    attentionOutput: 'attention.out_lin',
    attentionNorm: 'sa_layer_norm',
    intermediate: 'ffn.lin1',
    output: 'ffn.lin2',
    outputNorm: 'output_layer_norm',
  },
  tokenTypeIds: false,
  positionIds: (g, _c, inputIds) => arangePositions(g, inputIds),
  maxSequenceLength: (c) => c.maxPositionEmbeddings,
  paddingRows: ['embeddings.word_embeddings.weight'],
  optionalWeights: () => [],
  headWeights: (c) => [
    { name: 'pre_classifier.weight', shape: [c.hiddenSize, c.hiddenSize] },
    { name: 'pre_classifier.bias', shape: [c.hiddenSize] },
    { name: 'classifier.weight', shape: [c.id2label.length, c.hiddenSize] },
    { name: 'classifier.bias', shape: [c.id2label.length] },
  ],
  // relu(pre_classifier(h[:, 0])) -> dropout(seq_classif_dropout) -> classifier
  hfHead: (params, c, hidden, dropout) => {
    const H = c.hiddenSize;
    const first = ops.gather(hidden, hidden.graph.constInt64([0], []), 1); // [B, H]
    const pre = ops.relu(linear(params, 'pre_classifier', first, H, H)); // [B, H]
    return linear(params, 'classifier', dropout(pre, c.classifierDropout ?? c.hiddenDropoutProb), H, c.id2label.length);
  },
  initConfig: (o) => ({
    model_type: 'distilbert',
    architectures: [o.classifier ? 'DistilBertForSequenceClassification' : 'DistilBertModel'],
    vocab_size: o.vocabSize,
    dim: o.hidden,
    n_layers: o.layers,
    n_heads: o.heads,
    hidden_dim: o.intermediate,
    activation: 'gelu',
    max_position_embeddings: o.maxPositionEmbeddings ?? o.maxLength,
    pad_token_id: o.padTokenId ?? 0,
    sinusoidal_pos_embds: false,
    dropout: 0.1,
    attention_dropout: 0.1,
    qa_dropout: 0.1,
    seq_classif_dropout: 0.2,
    initializer_range: o.std,
    tie_weights_: true,
  }),
};
