// Llama model folders on disk (Node only), as LlamaForCausalLM.save_pretrained lays them out (config.json,
// generation_config.json, model.safetensors with `model.*` names, the tied lm_head left out, tokenizer files), and
// their text-generation export in the onnx-community layout: onnx/model.onnx taking input_ids, attention_mask,
// position_ids (and with a cache past_key_values.N.key / .value) and giving logits (and present.N.key / .value).
// init-model's tiny Llama with deterministic random weights is here too.
import fs from 'node:fs';
import path from 'node:path';
import { serializeGraph } from '../graph/index.ts';
import type { CausalExportOptions, CausalExportResult, CausalInitOptions } from './arch/types.ts';
import { TOKENIZER_FILES } from './tokenizer-files.ts';
import { gpt2TokenizerFiles } from './gpt2-init.ts';
import { normalSampler } from './random.ts';
import { parseLlamaConfig, toHfLlamaConfigJson, type LlamaConfig } from './llama-config.ts';
import {
  buildLlamaLmGraph,
  canonicalLlamaWeightNames,
  expectedLlamaWeights,
  isLlamaBuffer,
  validateLlamaWeights,
} from './llama.ts';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors.ts';

export interface LlamaFolder {
  dir: string;
  config: LlamaConfig;
  weights: Map<string, NamedTensor>;
}

export function readLlamaFolder(dir: string): LlamaFolder {
  const config = parseLlamaConfig(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
  const file = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(file))
    throw new Error(`${dir} has no model.safetensors (edgeclass reads safetensors checkpoints)`);
  const { tensors } = readSafetensors(new Uint8Array(fs.readFileSync(file)), { skip: isLlamaBuffer });
  const weights = canonicalLlamaWeightNames(tensors, config);
  validateLlamaWeights(weights, config);
  return { dir, config, weights };
}

export function writeLlamaFolder(
  dir: string,
  o: { config: LlamaConfig; weights: Map<string, NamedTensor>; files?: Record<string, string> },
): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(toHfLlamaConfigJson(o.config), null, 2)}\n`);
  const generation: Record<string, unknown> = { _from_model_config: true };
  if (o.config.bosTokenId !== null) generation.bos_token_id = o.config.bosTokenId;
  if (o.config.eosTokenId !== null) generation.eos_token_id = o.config.eosTokenId;
  fs.writeFileSync(path.join(dir, 'generation_config.json'), `${JSON.stringify(generation, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(o.weights));
  for (const [name, text] of Object.entries(o.files ?? {})) {
    if (!TOKENIZER_FILES.includes(name)) throw new Error(`writeLlamaFolder: '${name}' is not a tokenizer file`);
    fs.writeFileSync(path.join(dir, name), text);
  }
}

/** onnx/model.onnx: `text-generation-with-past` (the default, what onnx-community folders hold) or `text-generation`. */
export function exportLlama(dir: string, options: CausalExportOptions = {}): CausalExportResult {
  const task = options.task ?? 'text-generation-with-past';
  if (task !== 'text-generation' && task !== 'text-generation-with-past')
    throw new Error(`a llama model exports to --task text-generation or text-generation-with-past, not '${task}'`);
  if (options.pooling || options.normalize)
    throw new Error('a llama text-generation export takes no pooling or normalization');
  const folder = readLlamaFolder(dir);
  const withPast = task === 'text-generation-with-past';
  const bytes = serializeGraph(buildLlamaLmGraph(folder.weights, folder.config, withPast), {
    docString: `edgeclass export: ${task} (llama${withPast ? ', past_key_values' : ', no KV cache'})`,
  });
  const out = path.join(options.out ?? dir, 'onnx');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, 'model.onnx');
  fs.writeFileSync(file, bytes);
  return { file, spec: { task, pooling: null, normalize: false }, bytes: bytes.length };
}

/**
 * Deterministic random weights, the recipe of init.ts: one mulberry32 + Box-Muller stream, tensors in sorted-name
 * order, Linear weights and embeddings ~ N(0, initializer_range), RMSNorm weights 1.
 */
export function initLlamaWeights(config: LlamaConfig, seed: number): Map<string, NamedTensor> {
  const normal = normalSampler(seed);
  const out = new Map<string, NamedTensor>();
  for (const { name, shape } of expectedLlamaWeights(config).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (shape.length === 1) data.fill(1);
    else for (let i = 0; i < data.length; i++) data[i] = normal() * config.initializerRange;
    out.set(name, { shape, data });
  }
  return out;
}

/** A tiny Llama folder with a byte-level BPE tokenizer (see gpt2-init.ts for how it is derived) and its export. */
export function initLlamaModel(o: CausalInitOptions): { dir: string; onnx: string; config: LlamaConfig } {
  const tok = gpt2TokenizerFiles(o.tokenizerDir);
  const hidden = o.hidden;
  const config = parseLlamaConfig({
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    vocab_size: tok.vocabSize,
    hidden_size: hidden,
    intermediate_size: o.intermediate ?? 4 * hidden,
    num_hidden_layers: o.layers,
    num_attention_heads: o.heads,
    num_key_value_heads: o.kvHeads ?? o.heads,
    head_dim: hidden / o.heads,
    max_position_embeddings: tok.modelMaxLength,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: !o.untied,
    initializer_range: o.std ?? 0.02,
    bos_token_id: tok.bosTokenId ?? null,
    eos_token_id: tok.eosTokenId ?? null,
    edgeclass: { init_seed: o.seed },
  });
  writeLlamaFolder(o.out, { config, weights: initLlamaWeights(config, o.seed), files: tok.files });
  const { file } = exportLlama(o.out);
  return { dir: o.out, onnx: file, config };
}
