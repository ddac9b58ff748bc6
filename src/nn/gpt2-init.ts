// A tiny GPT-2 with deterministic random weights (no pretrained weights can be had here), for tests and demos.
//
// The weight recipe follows init.ts: one mulberry32 + Box-Muller stream seeded with `seed`, tensors filled one after
// another in sorted-name order, row-major. GPT2PreTrainedModel._init_weights: Conv1D weights and both embeddings
// ~ N(0, initializer_range), biases 0, LayerNorm weight 1 and bias 0, and every `c_proj.weight` (the projections
// that add into the residual stream) ~ N(0, initializer_range / sqrt(2 n_layer)).
//
// The tokenizer: no GPT-2 tokenizer ships in ../shared/models, so a GPT-2-style tokenizer is derived from a
// byte-level BPE one (roberta-base): the same vocabulary, merges, pre-tokenizer and decoder, with the
// post-processor removed so that encoding adds no special tokens, as GPT-2's tokenizer does (GPT-2's own
// ByteLevel post-processor only trims offsets, and with trim_offsets false does nothing). bos/eos/unk are the source
// tokenizer's (<s>, </s>, <unk> for roberta-base: ids 0, 2, 3) and vocab_size its largest id + 1 (50265).
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '../tokenizer/index.ts';
import { parseGpt2Config, type Gpt2Config } from './gpt2-config.ts';
import { exportGpt2, writeGpt2Folder } from './gpt2-folder.ts';
import { expectedGpt2Weights } from './gpt2.ts';
import { normalSampler } from './random.ts';
import type { NamedTensor } from './safetensors.ts';

export function initGpt2Weights(config: Gpt2Config, options: { seed: number }): Map<string, NamedTensor> {
  const normal = normalSampler(options.seed);
  const std = config.initializerRange;
  const projectionStd = std / Math.sqrt(2 * Math.max(config.nLayer, 1));
  const out = new Map<string, NamedTensor>();
  for (const { name, shape } of expectedGpt2Weights(config).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const isLayerNorm = /\.ln_(1|2|f)\.weight$/.test(name);
    if (isLayerNorm) data.fill(1);
    else if (!name.endsWith('.bias')) {
      const s = name.endsWith('.c_proj.weight') ? projectionStd : std;
      for (let i = 0; i < data.length; i++) data[i] = normal() * s;
    }
    out.set(name, { shape, data });
  }
  return out;
}

function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string')
    return (value as { content: string }).content;
  return null;
}

export interface Gpt2TokenizerFiles {
  files: Record<string, string>;
  vocabSize: number;
  bosTokenId: number | undefined;
  eosTokenId: number | undefined;
  /** The context length the files announce (model_max_length), which the config's n_positions should match. */
  modelMaxLength: number;
}

/**
 * GPT-2-style tokenizer files from a byte-level BPE tokenizer folder (see the header). model_max_length is
 * `nPositions`, else the source's, else GPT-2's 1024.
 */
export function gpt2TokenizerFiles(tokenizerDir: string, nPositions?: number): Gpt2TokenizerFiles {
  const read = (f: string) => fs.readFileSync(path.join(tokenizerDir, f), 'utf8');
  if (!fs.existsSync(path.join(tokenizerDir, 'tokenizer.json')))
    throw new Error(`${tokenizerDir} has no tokenizer.json`);
  const json = JSON.parse(read('tokenizer.json'));
  if (json.model?.type !== 'BPE' && !json.model?.merges)
    throw new Error(
      `${tokenizerDir}: a gpt2 model needs a byte-level BPE tokenizer, this one is ${json.model?.type ?? 'unknown'}`,
    );
  json.post_processor = null;
  const tokenizer = Tokenizer.fromJson(json);
  const source = fs.existsSync(path.join(tokenizerDir, 'tokenizer_config.json'))
    ? JSON.parse(read('tokenizer_config.json'))
    : {};
  const ids = [
    ...Object.values(json.model.vocab as Record<string, number>),
    ...(json.added_tokens ?? []).map((t: { id: number }) => t.id),
  ];
  const special = (key: string) => {
    const token = tokenContent(source[key]);
    return token !== null && tokenizer.tokenToId(token) !== undefined ? token : null;
  };
  const bos = special('bos_token');
  const eos = special('eos_token');
  const sourceMax =
    typeof source.model_max_length === 'number' && source.model_max_length < 1e6 ? source.model_max_length : null;
  const modelMaxLength = nPositions ?? sourceMax ?? 1024;
  const tokenizerConfig: Record<string, unknown> = {
    tokenizer_class: 'GPT2Tokenizer',
    add_prefix_space: false,
    errors: 'replace',
    clean_up_tokenization_spaces: false,
    model_max_length: modelMaxLength,
  };
  const specialTokens: Record<string, string> = {};
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
    const token = special(key);
    if (token !== null) specialTokens[key] = token;
  }
  Object.assign(tokenizerConfig, specialTokens);
  const files: Record<string, string> = {
    'tokenizer.json': JSON.stringify(json),
    'tokenizer_config.json': `${JSON.stringify(tokenizerConfig, null, 2)}\n`,
    'special_tokens_map.json': `${JSON.stringify(specialTokens, null, 2)}\n`,
  };
  for (const f of ['vocab.json', 'merges.txt']) if (fs.existsSync(path.join(tokenizerDir, f))) files[f] = read(f);
  return {
    files,
    vocabSize: Math.max(...ids) + 1,
    bosTokenId: bos === null ? undefined : tokenizer.tokenToId(bos),
    eosTokenId: eos === null ? undefined : tokenizer.tokenToId(eos),
    modelMaxLength,
  };
}

export interface InitGpt2Options {
  layers: number;
  hidden: number;
  heads: number;
  /** MLP width; 4 * hidden when absent (GPT-2's n_inner null). */
  inner?: number;
  /** Context length; the tokenizer's model_max_length (else 1024) when absent. */
  positions?: number;
  tokenizerDir: string;
  seed: number;
  std?: number;
  out: string;
}

/** A complete GPT-2 folder (config, weights, GPT-2-style tokenizer, generation config) and its onnx/model.onnx. */
export function initGpt2Model(o: InitGpt2Options): { dir: string; config: Gpt2Config; onnx: string } {
  const tok = gpt2TokenizerFiles(o.tokenizerDir, o.positions);
  const positions = tok.modelMaxLength;
  const config = parseGpt2Config({
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    vocab_size: tok.vocabSize,
    n_positions: positions,
    n_embd: o.hidden,
    n_layer: o.layers,
    n_head: o.heads,
    n_inner: o.inner === undefined || o.inner === 4 * o.hidden ? null : o.inner,
    activation_function: 'gelu_new',
    layer_norm_epsilon: 1e-5,
    initializer_range: o.std ?? 0.02,
    bos_token_id: tok.bosTokenId ?? null,
    eos_token_id: tok.eosTokenId ?? null,
    edgeclass: { init_seed: o.seed },
  });
  writeGpt2Folder(o.out, { config, weights: initGpt2Weights(config, { seed: o.seed }), files: tok.files });
  const { file } = exportGpt2(o.out);
  return { dir: o.out, config, onnx: file };
}
