// config.json parsing: every model fixture and every shared model, Hugging Face defaults, the write-back round trip
// and errors that name the offending field.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig, toHfConfigJson } from '../src/nn/arch/index.ts';
import { headDim, ModelConfigError, type ModelConfig } from '../src/nn/config.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';

const GOLDEN_DIR = path.resolve(
  process.env.EDGECLASS_MODEL_GOLDEN_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'golden', 'model'),
);
const subdirsWith = (dir: string, file: string) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((d) => fs.existsSync(path.join(dir, d, file)))
        .sort()
    : [];
const fixtures = subdirsWith(GOLDEN_DIR, 'golden.json');
const models = subdirsWith(MODELS_DIR, 'config.json');
const readJson = (...p: string[]) => JSON.parse(fs.readFileSync(path.join(...p), 'utf8'));

/** config.json keys and the ModelConfig fields they set. */
const FIELDS: [string, keyof ModelConfig][] = [
  ['vocab_size', 'vocabSize'],
  ['hidden_size', 'hiddenSize'],
  ['num_hidden_layers', 'numHiddenLayers'],
  ['num_attention_heads', 'numAttentionHeads'],
  ['intermediate_size', 'intermediateSize'],
  ['hidden_act', 'hiddenAct'],
  ['max_position_embeddings', 'maxPositionEmbeddings'],
  ['type_vocab_size', 'typeVocabSize'],
  ['layer_norm_eps', 'layerNormEps'],
  ['pad_token_id', 'padTokenId'],
  ['bos_token_id', 'bosTokenId'],
  ['eos_token_id', 'eosTokenId'],
  ['hidden_dropout_prob', 'hiddenDropoutProb'],
  ['attention_probs_dropout_prob', 'attentionProbsDropoutProb'],
  ['classifier_dropout', 'classifierDropout'],
  ['problem_type', 'problemType'],
  ['architectures', 'architectures'],
];

/** Each field `json` sets is parsed to its value (a null token id reads as none); at least the sizes are there. */
function expectFieldsOf(c: ModelConfig, json: Record<string, unknown>): void {
  const present = FIELDS.filter(([key]) => key in json);
  expect(present.map(([key]) => key)).toEqual(
    expect.arrayContaining(['vocab_size', 'hidden_size', 'num_hidden_layers']),
  );
  for (const [key, field] of present) {
    const want = json[key] === null && key.endsWith('_token_id') ? undefined : json[key];
    expect(c[field], `${key} -> ${field}`).toEqual(want);
  }
}

const roundTrip = (c: ModelConfig) => parseModelConfig(JSON.parse(JSON.stringify(toHfConfigJson(c))));

function errorOf(json: unknown): ModelConfigError {
  try {
    parseModelConfig(json);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelConfigError);
    return err as ModelConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(json)}`);
}

describe('model fixture configs', () => {
  it(`finds fixtures in ${GOLDEN_DIR}`, () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  for (const name of fixtures) {
    it(`parses ${name}/config.json and writes it back unchanged`, () => {
      const golden = readJson(GOLDEN_DIR, name, 'golden.json');
      const raw = readJson(GOLDEN_DIR, name, golden.files?.config ?? 'config.json');
      const c = parseModelConfig(raw);
      expect(c.modelType).toBe(golden.model_type);
      expect(c.id2label.length).toBe(golden.num_labels);
      expect(headDim(c) * c.numAttentionHeads).toBe(c.hiddenSize);
      // Every field as golden.json's own copy of the config has it (the generator's record, not this file's parse),
      // so another fixture set is judged by its own values.
      expectFieldsOf(c, golden.config);
      expect(c.extra).toMatchObject({
        initializer_range: golden.config.initializer_range,
        position_embedding_type: golden.config.position_embedding_type,
      });
      // These files were written by transformers, so writing them back reproduces them exactly (keys sorted too).
      const hf = toHfConfigJson(c);
      expect(hf).toEqual(raw);
      expect(Object.keys(hf)).toEqual(Object.keys(raw));
      expect(roundTrip(c)).toEqual(c);
    });
  }
});

describe('shared model configs', () => {
  it(`finds models in ${MODELS_DIR}`, () => {
    expect(models.length).toBeGreaterThan(0);
  });

  for (const name of models) {
    it(`parses ${name}/config.json and round-trips it`, () => {
      const raw = readJson(MODELS_DIR, name, 'config.json');
      const c = parseModelConfig(raw);
      expect(c.modelType).toBe(raw.model_type);
      // No labels in a pretrained MLM config: PretrainedConfig's two default labels.
      if (raw.id2label === undefined && raw.num_labels === undefined)
        expect(c.id2label).toEqual(['LABEL_0', 'LABEL_1']);
      expectFieldsOf(c, raw);
      expect(headDim(c) * c.numAttentionHeads).toBe(c.hiddenSize);
      expect(roundTrip(c)).toEqual(c);
    });
  }
});

describe('parseModelConfig: defaults', () => {
  it('fills a bare BERT config with BertConfig defaults', () => {
    expect(parseModelConfig({ model_type: 'bert' })).toEqual({
      modelType: 'bert',
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
      id2label: ['LABEL_0', 'LABEL_1'],
      problemType: null,
      architectures: [],
      extra: {},
    } satisfies ModelConfig);
  });

  it('fills a bare RoBERTa config with RobertaConfig defaults (BERT sizes, RoBERTa vocabulary and tokens)', () => {
    const c = parseModelConfig({ model_type: 'roberta' });
    expect(c).toMatchObject({
      vocabSize: 50265,
      padTokenId: 1,
      bosTokenId: 0,
      eosTokenId: 2,
      typeVocabSize: 2,
      layerNormEps: 1e-12,
      maxPositionEmbeddings: 512,
    });
  });

  it('derives labels from id2label, else num_labels', () => {
    expect(parseModelConfig({ model_type: 'bert', num_labels: 3 }).id2label).toEqual(['LABEL_0', 'LABEL_1', 'LABEL_2']);
    // Keys in any order, as strings; label2id is derived, so an inconsistent one is ignored and rebuilt.
    const c = parseModelConfig({
      model_type: 'bert',
      id2label: { '1': 'pos', '0': 'neg' },
      label2id: { bogus: 7 },
      num_labels: 2,
    });
    expect(c.id2label).toEqual(['neg', 'pos']);
    expect(toHfConfigJson(c)).toMatchObject({ id2label: { '0': 'neg', '1': 'pos' }, label2id: { neg: 0, pos: 1 } });
    expect(toHfConfigJson(c)).not.toHaveProperty('num_labels');
    expect(c.extra).toEqual({});
  });

  it('keeps explicit nulls for tokens that RoBERTa would otherwise default', () => {
    const c = parseModelConfig({ model_type: 'roberta', bos_token_id: null });
    expect(c.bosTokenId).toBeUndefined();
    expect(toHfConfigJson(c)).toMatchObject({ bos_token_id: null, eos_token_id: 2 });
    expect(roundTrip(c)).toEqual(c);
    const b = parseModelConfig({ model_type: 'bert', eos_token_id: 102 });
    expect(b.eosTokenId).toBe(102);
    expect(toHfConfigJson(b)).not.toHaveProperty('bos_token_id');
    expect(roundTrip(b)).toEqual(b);
  });

  it('round-trips problem types, classifier dropout and extra keys', () => {
    const c = parseModelConfig({
      model_type: 'bert',
      problem_type: 'multi_label_classification',
      classifier_dropout: 0.25,
      architectures: ['BertForSequenceClassification'],
      transformers_version: '4.40.0',
      custom: { nested: [1, 2] },
    });
    expect(c.problemType).toBe('multi_label_classification');
    expect(c.classifierDropout).toBe(0.25);
    expect(c.extra).toEqual({ transformers_version: '4.40.0', custom: { nested: [1, 2] } });
    const hf = toHfConfigJson(c);
    expect(Object.keys(hf)).toEqual([...Object.keys(hf)].sort());
    expect(hf).not.toHaveProperty('bos_token_id');
    expect(roundTrip(c)).toEqual(c);
    expect(toHfConfigJson(parseModelConfig({ model_type: 'bert' }))).not.toHaveProperty('problem_type');
  });
});

describe('parseModelConfig: errors name the field', () => {
  const cases: [string, unknown, string | null, RegExp][] = [
    ['not an object', [1], null, /must be a JSON object/],
    [
      'no model_type',
      { hidden_size: 8 },
      'model_type',
      /one of bert, roberta, xlm-roberta, distilbert, gpt2, llama, got nothing/,
    ],
    ['another architecture', { model_type: 'albert' }, 'model_type', /got "albert"/],
    ['a causal LM', { model_type: 'llama' }, 'model_type', /"llama" is a causal LM; this needs an encoder/],
    [
      'DistilBERT sinusoidal positions',
      { model_type: 'distilbert', sinusoidal_pos_embds: true },
      'sinusoidal_pos_embds',
      /learned position embeddings only/,
    ],
    ['a DistilBERT string size', { model_type: 'distilbert', dim: '768' }, 'dim', /integer >= 1, got "768"/],
    ['tanh GELU', { model_type: 'bert', hidden_act: 'gelu_new' }, 'hidden_act', /must be "gelu".*got "gelu_new"/],
    ['relu', { model_type: 'roberta', hidden_act: 'relu' }, 'hidden_act', /got "relu"/],
    ['a string size', { model_type: 'bert', vocab_size: '30522' }, 'vocab_size', /integer >= 1, got "30522"/],
    ['a fractional size', { model_type: 'bert', intermediate_size: 3072.5 }, 'intermediate_size', /integer/],
    ['zero heads', { model_type: 'bert', num_attention_heads: 0 }, 'num_attention_heads', /integer >= 1, got 0/],
    [
      'heads that do not divide hidden',
      { model_type: 'bert', hidden_size: 100, num_attention_heads: 12 },
      'hidden_size',
      /\(100\) must be a multiple of num_attention_heads \(12\)/,
    ],
    ['a negative eps', { model_type: 'bert', layer_norm_eps: -1 }, 'layer_norm_eps', /positive number/],
    ['a dropout above 1', { model_type: 'bert', hidden_dropout_prob: 1.5 }, 'hidden_dropout_prob', /probability/],
    [
      'a string classifier dropout',
      { model_type: 'bert', classifier_dropout: 'x' },
      'classifier_dropout',
      /probability/,
    ],
    [
      'a pad id outside the vocabulary',
      { model_type: 'bert', vocab_size: 10, pad_token_id: 10 },
      'pad_token_id',
      /below vocab_size/,
    ],
    ['a bad bos id', { model_type: 'roberta', bos_token_id: -1 }, 'bos_token_id', /non-negative integer or null/],
    [
      'id2label with a gap',
      { model_type: 'bert', id2label: { '0': 'a', '2': 'c' } },
      'id2label',
      /ids 0\.\.1, got "2"/,
    ],
    ['id2label with a non-numeric key', { model_type: 'bert', id2label: { zero: 'a' } }, 'id2label', /got "zero"/],
    ['id2label as an array', { model_type: 'bert', id2label: ['a', 'b'] }, 'id2label', /must be an object/],
    ['an empty id2label', { model_type: 'bert', id2label: {} }, 'id2label', /at least one label/],
    ['a non-string label', { model_type: 'bert', id2label: { '0': 1 } }, 'id2label.0', /must be a string/],
    [
      'num_labels disagreeing with id2label',
      { model_type: 'bert', num_labels: 3, id2label: { '0': 'a', '1': 'b' } },
      'num_labels',
      /\(3\) disagrees/,
    ],
    ['num_labels zero', { model_type: 'bert', num_labels: 0 }, 'num_labels', /positive integer/],
    ['an unknown problem type', { model_type: 'bert', problem_type: 'ranking' }, 'problem_type', /got "ranking"/],
    [
      'architectures as a string',
      { model_type: 'bert', architectures: 'BertModel' },
      'architectures',
      /array of strings/,
    ],
  ];
  for (const [what, json, field, message] of cases) {
    it(`refuses ${what}`, () => {
      const err = errorOf(json);
      expect(err.field).toBe(field);
      expect(err.message).toMatch(message);
      if (field) expect(err.message).toContain(`"${field}"`);
    });
  }
});
