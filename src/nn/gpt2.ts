// GPT-2 (Hugging Face GPT2LMHeadModel): token + position embeddings, n_layer pre-LN blocks of causal self-attention
// and an MLP, a final LayerNorm and the LM head tied to the token embeddings. Written against the graph builder
// like encoder.ts; parameters keep Hugging Face's names (`transformer.h.0.attn.c_attn.weight`, ...).
//
// GPT-2's projections are Conv1D modules: y = x W + b with W stored [in, out], not PyTorch Linear's [out, in].
import { Graph, ops, type Value } from '../graph/index.ts';
import { gpt2Inner, type Gpt2Config } from './gpt2-config.ts';
import { gelu, layerNorm, noDropout, type Dropout } from './layers.ts';
import { Params } from './params.ts';
import type { NamedTensor } from './safetensors.ts';

export interface Gpt2Inputs {
  inputIds: Value; // [B, T] int64
  attentionMask: Value; // [B, T] int64, 1 real / 0 pad
  positionIds: Value; // [B, T] int64
}

export interface Gpt2Outputs {
  /** Embeddings output, then each block's output: n_layer + 1 values of [B, T, H] (before ln_f). */
  hiddenStates: Value[];
  lastHiddenState: Value; // [B, T, H], after ln_f
  logits: Value; // [B, T, V]
}

/** The float32 minimum, what transformers puts in masked attention scores. */
const MASKED = -3.4028234663852886e38;

/**
 * The inputs of Optimum's GPT-2 export without a KV cache: input_ids, attention_mask and position_ids. Callers
 * (and transformers.js) make position_ids = cumsum(attention_mask) - 1, so left- and right-padded rows both count
 * their real tokens from 0.
 */
export function gpt2Inputs(g: Graph): Gpt2Inputs {
  const dims = ['batch_size', 'sequence_length'];
  return {
    inputIds: g.input('input_ids', 'int64', dims),
    attentionMask: g.input('attention_mask', 'int64', dims),
    positionIds: g.input('position_ids', 'int64', dims),
  };
}

/** Conv1D: y = x W + b, W [in, out] as GPT-2 stores it. x: [..., in] -> [..., out]. */
export function conv1d(params: Params, prefix: string, x: Value, inFeatures: number, outFeatures: number): Value {
  const w = params.get(`${prefix}.weight`, [inFeatures, outFeatures]); // [in, out]
  const b = params.get(`${prefix}.bias`, [outFeatures]); // [out]
  return ops.add(ops.matmul(x, w), b);
}

/** transformers' gelu_new / gelu_pytorch_tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluTanh(x: Value): Value {
  const cube = ops.mul(ops.mul(x, x), x);
  const inner = ops.mul(ops.add(x, ops.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return ops.mul(ops.mul(x, 0.5), ops.add(ops.tanh(inner), 1));
}

/**
 * Which keys each query may attend to, [B, 1, T, T] bool: key j <= query i (causal) and key j is not padding.
 * The indices come from a cumsum over the mask's shape, so T stays symbolic.
 */
function attentionAllowed(mask: Value): Value {
  const g = mask.graph;
  const ones = ops.add(ops.mul(mask, g.constInt64([0], [])), g.constInt64([1], [])); // [B, T] of 1
  const index = ops.sub(ops.cumSum(ones, 1), g.constInt64([1], [])); // [B, T]: 0..T-1
  const query = ops.unsqueeze(index, [2]); // [B, T, 1]
  const key = ops.unsqueeze(index, [1]); // [B, 1, T]
  const causal = ops.not(ops.greater(key, query)); // [B, T, T]
  const realKey = ops.cast(ops.unsqueeze(mask, [1]), 'bool'); // [B, 1, T]
  return ops.unsqueeze(ops.and(causal, realKey), [1]); // [B, 1, T, T]
}

/** [B, T, H] -> [B, nh, T, hd] */
function splitHeads(x: Value, heads: number, headDim: number): Value {
  return ops.transpose(ops.reshape(x, [0, 0, heads, headDim]), [0, 2, 1, 3]);
}

function attention(params: Params, c: Gpt2Config, layer: number, x: Value, allowed: Value, dropout: Dropout): Value {
  const prefix = `transformer.h.${layer}.attn`;
  const H = c.nEmbd;
  const nh = c.nHead;
  const hd = H / nh;
  const qkv = conv1d(params, `${prefix}.c_attn`, x, H, 3 * H); // [B, T, 3H]: q | k | v
  const q = splitHeads(ops.slice(qkv, [0], [H], [2]), nh, hd); // [B, nh, T, hd]
  const k = splitHeads(ops.slice(qkv, [H], [2 * H], [2]), nh, hd); // [B, nh, T, hd]
  const v = splitHeads(ops.slice(qkv, [2 * H], [3 * H], [2]), nh, hd); // [B, nh, T, hd]
  let scores = ops.matmul(q, ops.transpose(k, [0, 1, 3, 2])); // [B, nh, T, T]
  if (c.scaleAttnWeights) scores = ops.div(scores, Math.sqrt(hd));
  if (c.scaleAttnByInverseLayerIdx) scores = ops.div(scores, layer + 1);
  // where(), not an added bias: a row with no allowed key (a left-padded query) gets equal scores, so a uniform
  // softmax as in transformers, instead of -inf sums and NaN.
  const masked = ops.where(allowed, scores, x.graph.constFloat(MASKED)); // [B, nh, T, T]
  const probs = dropout(ops.softmax(masked, -1), c.attnPdrop); // [B, nh, T, T]
  const context = ops.reshape(ops.transpose(ops.matmul(probs, v), [0, 2, 1, 3]), [0, 0, H]); // [B, T, H]
  return dropout(conv1d(params, `${prefix}.c_proj`, context, H, H), c.residPdrop); // [B, T, H]
}

function mlp(params: Params, c: Gpt2Config, layer: number, x: Value, dropout: Dropout): Value {
  const prefix = `transformer.h.${layer}.mlp`;
  const H = c.nEmbd;
  const I = gpt2Inner(c);
  const hidden = conv1d(params, `${prefix}.c_fc`, x, H, I); // [B, T, I]
  const activated = c.activationFunction === 'gelu' ? gelu(hidden) : geluTanh(hidden);
  return dropout(conv1d(params, `${prefix}.c_proj`, activated, I, H), c.residPdrop); // [B, T, H]
}

/** One pre-LN block: x + attn(ln_1(x)), then + mlp(ln_2(.)). */
function block(params: Params, c: Gpt2Config, layer: number, x: Value, allowed: Value, dropout: Dropout): Value {
  const prefix = `transformer.h.${layer}`;
  const H = c.nEmbd;
  const attended = ops.add(
    x,
    attention(params, c, layer, layerNorm(params, `${prefix}.ln_1`, x, H, c.layerNormEpsilon), allowed, dropout),
  );
  return ops.add(
    attended,
    mlp(params, c, layer, layerNorm(params, `${prefix}.ln_2`, attended, H, c.layerNormEpsilon), dropout),
  );
}

export function buildGpt2(
  params: Params,
  c: Gpt2Config,
  inputs: Gpt2Inputs,
  dropout: Dropout = noDropout,
): Gpt2Outputs {
  const H = c.nEmbd;
  const V = c.vocabSize;
  const wte = params.get('transformer.wte.weight', [V, H]);
  const words = ops.gather(wte, inputs.inputIds); // [B, T, H]
  const positions = ops.gather(params.get('transformer.wpe.weight', [c.nPositions, H]), inputs.positionIds); // [B, T, H]
  const hiddenStates = [dropout(ops.add(words, positions), c.embdPdrop)];
  const allowed = attentionAllowed(inputs.attentionMask);
  for (let i = 0; i < c.nLayer; i++) hiddenStates.push(block(params, c, i, hiddenStates[i], allowed, dropout));
  const last = layerNorm(params, 'transformer.ln_f', hiddenStates[hiddenStates.length - 1], H, c.layerNormEpsilon); // [B, T, H]
  const head = c.tieWordEmbeddings ? wte : params.get('lm_head.weight', [V, H]); // [V, H], no bias
  const logits = ops.matmul(last, ops.transpose(head, [1, 0])); // [B, T, V]
  return { hiddenStates, lastHiddenState: last, logits };
}

/** The text-generation export (no KV cache): input_ids, attention_mask, position_ids -> logits [B, T, V]. */
export function buildGpt2LmGraph(weights: Map<string, NamedTensor>, config: Gpt2Config): Graph {
  const g = new Graph('gpt2-text-generation');
  const params = new Params(g, weights);
  const { logits } = buildGpt2(params, config, gpt2Inputs(g));
  g.output(logits, 'logits');
  return g;
}

// Parameter names -----------------------------------------------------------------------------------------------

export interface Gpt2Weight {
  name: string;
  shape: number[];
}

/** Every GPT2LMHeadModel parameter with its shape, in named_parameters() order (lm_head only when untied). */
export function expectedGpt2Weights(c: Gpt2Config): Gpt2Weight[] {
  const H = c.nEmbd;
  const I = gpt2Inner(c);
  const list: Gpt2Weight[] = [
    { name: 'transformer.wte.weight', shape: [c.vocabSize, H] },
    { name: 'transformer.wpe.weight', shape: [c.nPositions, H] },
  ];
  for (let i = 0; i < c.nLayer; i++) {
    const p = `transformer.h.${i}`;
    list.push(
      { name: `${p}.ln_1.weight`, shape: [H] },
      { name: `${p}.ln_1.bias`, shape: [H] },
      { name: `${p}.attn.c_attn.weight`, shape: [H, 3 * H] },
      { name: `${p}.attn.c_attn.bias`, shape: [3 * H] },
      { name: `${p}.attn.c_proj.weight`, shape: [H, H] },
      { name: `${p}.attn.c_proj.bias`, shape: [H] },
      { name: `${p}.ln_2.weight`, shape: [H] },
      { name: `${p}.ln_2.bias`, shape: [H] },
      { name: `${p}.mlp.c_fc.weight`, shape: [H, I] },
      { name: `${p}.mlp.c_fc.bias`, shape: [I] },
      { name: `${p}.mlp.c_proj.weight`, shape: [I, H] },
      { name: `${p}.mlp.c_proj.bias`, shape: [H] },
    );
  }
  list.push({ name: 'transformer.ln_f.weight', shape: [H] }, { name: 'transformer.ln_f.bias', shape: [H] });
  if (!c.tieWordEmbeddings) list.push({ name: 'lm_head.weight', shape: [c.vocabSize, H] });
  return list;
}

/** The causal-mask buffers old GPT-2 checkpoints carry (`h.0.attn.bias`, `h.0.attn.masked_bias`): not parameters. */
export function isGpt2Buffer(name: string): boolean {
  return /(^|\.)h\.\d+\.attn\.(bias|masked_bias)$/.test(name);
}

/**
 * Checkpoint names -> GPT2LMHeadModel names: GPT2Model's bare names (`wte.weight`, `h.0...`) get `transformer.`,
 * buffers are dropped, and a tied `lm_head.weight` (a copy of wte) is dropped as save_pretrained does.
 */
export function canonicalGpt2WeightNames(tensors: Map<string, NamedTensor>, c: Gpt2Config): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [name, tensor] of tensors) {
    if (isGpt2Buffer(name)) continue;
    if (name === 'lm_head.weight' && c.tieWordEmbeddings) continue;
    const canonical = /^(wte|wpe|h|ln_f)\./.test(name) ? `transformer.${name}` : name;
    if (out.has(canonical))
      throw new Error(`checkpoint is ambiguous: two tensors are both the parameter "${canonical}"`);
    out.set(canonical, tensor);
  }
  return out;
}

/** Reports every missing or mis-shaped parameter at once. */
export function validateGpt2Weights(tensors: Map<string, NamedTensor>, c: Gpt2Config): void {
  const problems: string[] = [];
  for (const w of expectedGpt2Weights(c)) {
    const t = tensors.get(w.name);
    if (!t) problems.push(`missing "${w.name}" [${w.shape.join(', ')}]`);
    else if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i])) {
      problems.push(`"${w.name}" has shape [${t.shape.join(', ')}], config wants [${w.shape.join(', ')}]`);
    }
  }
  if (problems.length) {
    throw new Error(
      `weights do not match the gpt2 config: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`,
    );
  }
}
