// GPT-2 model folders on disk (Node only), as GPT2LMHeadModel.save_pretrained lays them out: config.json,
// generation_config.json, model.safetensors (`transformer.*` names, the tied lm_head left out), the tokenizer files,
// and onnx/model.onnx: the text-generation export without a KV cache (input_ids, attention_mask, position_ids ->
// logits), which transformers.js' AutoModelForCausalLM loads (it feeds past_key_values only to sessions that
// declare them).
import fs from 'node:fs';
import path from 'node:path';
import { serializeGraph } from '../graph/index.ts';
import { TOKENIZER_FILES } from './tokenizer-files.ts';
import { parseGpt2Config, toHfGpt2ConfigJson, type Gpt2Config } from './gpt2-config.ts';
import { buildGpt2LmGraph, canonicalGpt2WeightNames, isGpt2Buffer, validateGpt2Weights } from './gpt2.ts';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors.ts';

export interface Gpt2Folder {
  dir: string;
  config: Gpt2Config;
  /** GPT2LMHeadModel names (`transformer.wte.weight`, ...). */
  weights: Map<string, NamedTensor>;
}

function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function readGpt2Folder(dir: string): Gpt2Folder {
  const config = parseGpt2Config(readJson(path.join(dir, 'config.json')));
  const file = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(file))
    throw new Error(`${dir} has no model.safetensors (edgeclass reads safetensors checkpoints)`);
  // Old checkpoints carry the causal-mask buffers (`h.N.attn.bias`, bool or uint8): not parameters, skipped.
  const { tensors } = readSafetensors(new Uint8Array(fs.readFileSync(file)), { skip: (name) => isGpt2Buffer(name) });
  const weights = canonicalGpt2WeightNames(tensors, config);
  validateGpt2Weights(weights, config);
  return { dir, config, weights };
}

export interface WriteGpt2FolderOptions {
  config: Gpt2Config;
  weights: Map<string, NamedTensor>;
  /** Files to write as they are (the GPT-2-style tokenizer files), name -> text. */
  files?: Record<string, string>;
}

export function writeGpt2Folder(dir: string, o: WriteGpt2FolderOptions): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(toHfGpt2ConfigJson(o.config), null, 2)}\n`);
  const generation: Record<string, unknown> = { _from_model_config: true };
  if (o.config.bosTokenId !== undefined) generation.bos_token_id = o.config.bosTokenId;
  if (o.config.eosTokenId !== undefined) generation.eos_token_id = o.config.eosTokenId;
  fs.writeFileSync(path.join(dir, 'generation_config.json'), `${JSON.stringify(generation, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(o.weights));
  for (const [name, text] of Object.entries(o.files ?? {})) {
    if (!TOKENIZER_FILES.includes(name)) throw new Error(`writeGpt2Folder: '${name}' is not a tokenizer file`);
    fs.writeFileSync(path.join(dir, name), text);
  }
}

export interface Gpt2ExportOptions {
  task?: string;
  pooling?: unknown;
  normalize?: boolean;
  /** Folder to write onnx/ into; the model folder itself by default. */
  out?: string;
}

/** onnx/model.onnx for a GPT-2 folder: the text-generation graph, the only task a causal LM exports to here. */
export function exportGpt2(
  dir: string,
  options: Gpt2ExportOptions = {},
): { file: string; spec: { task: 'text-generation'; pooling: null; normalize: false }; bytes: number } {
  if (options.task !== undefined && options.task !== 'text-generation') {
    throw new Error(`a gpt2 model exports to --task text-generation only, not '${options.task}'`);
  }
  if (options.pooling || options.normalize)
    throw new Error('a gpt2 text-generation export takes no pooling or normalization');
  const folder = readGpt2Folder(dir);
  const bytes = serializeGraph(buildGpt2LmGraph(folder.weights, folder.config), {
    docString: 'edgeclass export: text-generation (gpt2, no KV cache)',
  });
  const out = path.join(options.out ?? dir, 'onnx');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, 'model.onnx');
  fs.writeFileSync(file, bytes);
  return { file, spec: { task: 'text-generation', pooling: null, normalize: false }, bytes: bytes.length };
}
