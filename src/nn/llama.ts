// Llama (Hugging Face LlamaForCausalLM, eager attention): token embeddings, pre-norm blocks of RMSNorm, rotary
// self-attention with grouped-query heads and a SwiGLU MLP, a final RMSNorm and the LM head (tied to the embeddings
// or not). Written against the graph builder like gpt2.ts; parameters keep Hugging Face's names
// (`model.layers.0.self_attn.q_proj.weight`, ...). Linear layers have no bias: y = x W^T, W [out, in].
import { Graph, ops, type Value } from '../graph/index.ts';
import type { LlamaConfig } from './llama-config.ts';
import { Params } from './params.ts';
import type { NamedTensor } from './safetensors.ts';

export interface LlamaInputs {
  inputIds: Value; // [B, T] int64
  /** [B, P + T] int64 over the past and the new tokens, 1 real / 0 pad. */
  attentionMask: Value;
  positionIds: Value; // [B, T] int64
  /** Per layer, the cached keys and values [B, kv, P, hd]; null for a graph without a cache. */
  past: { key: Value; value: Value }[] | null;
}

export interface LlamaOutputs {
  /** Embeddings, then each layer's output, the last after model.norm (HF's hidden_states): L + 1 of [B, T, H]. */
  hiddenStates: Value[];
  /** The last layer's output before model.norm, [B, T, H]. */
  finalNormInput: Value;
  lastHiddenState: Value; // [B, T, H]
  logits: Value; // [B, T, V]
  /** Per layer, the softmax probabilities [B, heads, T, P + T]. */
  attentions: Value[];
  /** Per layer, the keys and values with the new tokens appended [B, kv, P + T, hd]. */
  present: { key: Value; value: Value }[];
  /** The RoPE tables at the positions given, [B, T, hd]. */
  cos: Value;
  sin: Value;
}

/** The float32 minimum, what transformers puts in masked attention scores. */
const MASKED = -3.4028234663852886e38;

/** Optimum's text-generation inputs (onnx-community layout): with a cache, past_key_values.N.key / .value too. */
export function llamaInputs(g: Graph, c: LlamaConfig, withPast: boolean): LlamaInputs {
  const total = withPast ? 'past_sequence_length+sequence_length' : 'sequence_length';
  const past = withPast
    ? Array.from({ length: c.numHiddenLayers }, (_, i) => ({
        key: g.input(`past_key_values.${i}.key`, 'float32', [
          'batch_size',
          c.numKeyValueHeads,
          'past_sequence_length',
          c.headDim,
        ]),
        value: g.input(`past_key_values.${i}.value`, 'float32', [
          'batch_size',
          c.numKeyValueHeads,
          'past_sequence_length',
          c.headDim,
        ]),
      }))
    : null;
  return {
    inputIds: g.input('input_ids', 'int64', ['batch_size', 'sequence_length']),
    attentionMask: g.input('attention_mask', 'int64', ['batch_size', total]),
    positionIds: g.input('position_ids', 'int64', ['batch_size', 'sequence_length']),
    past,
  };
}

/** y = x W^T, W [out, in]. */
function project(params: Params, name: string, x: Value, inFeatures: number, outFeatures: number): Value {
  return ops.matmul(x, ops.transpose(params.get(`${name}.weight`, [outFeatures, inFeatures]), [1, 0]));
}

/** weight * (x / sqrt(mean(x^2) + eps)) over the last axis; no centring, no bias. */
function rmsNorm(params: Params, name: string, x: Value, hidden: number, eps: number): Value {
  const meanSquare = ops.reduceMean(ops.mul(x, x), [-1], true); // [B, T, 1]
  return ops.mul(params.get(`${name}.weight`, [hidden]), ops.div(x, ops.sqrt(ops.add(meanSquare, eps))));
}

/** inv_freq[i] = 1 / theta^(2i / hd), rounded to float32 as HF's float32 arange arithmetic gives it. */
export function ropeInvFreq(c: LlamaConfig): Float32Array {
  const half = c.headDim / 2;
  return Float32Array.from({ length: half }, (_, i) =>
    Math.fround(1 / Math.fround(c.ropeTheta ** Math.fround((2 * i) / c.headDim))),
  );
}

/** cos and sin of cat(angle, angle), angle = position * inv_freq, in float32: [B, T, hd] each. */
function ropeTables(g: Graph, c: LlamaConfig, positionIds: Value): { cos: Value; sin: Value } {
  const invFreq = g.constFloat(Array.from(ropeInvFreq(c)), [c.headDim / 2]); // [hd/2]
  const angle = ops.mul(ops.unsqueeze(ops.cast(positionIds, 'float32'), [2]), invFreq); // [B, T, hd/2]
  const both = ops.concat([angle, angle], -1); // [B, T, hd]
  return { cos: ops.cos(both), sin: ops.sin(both) };
}

/** x * cos + rotate_half(x) * sin; rotate_half([x1, x2]) = [-x2, x1] on the two halves of the last axis. */
function rotate(x: Value, cos: Value, sin: Value, hd: number): Value {
  const axis = x.rank - 1;
  const x1 = ops.slice(x, [0], [hd / 2], [axis]);
  const x2 = ops.slice(x, [hd / 2], [hd], [axis]);
  const rotated = ops.concat([ops.neg(x2), x1], -1);
  return ops.add(ops.mul(x, cos), ops.mul(rotated, sin));
}

/**
 * Which keys each query may attend to, [B, 1, 1, T, P + T] bool: key j <= the query's cache position P + i, and key j
 * is not padding. Positions come from the shapes (P = mask length - T), as HF's cache positions do, not from
 * position_ids.
 */
function attentionAllowed(inputIds: Value, mask: Value): Value {
  const g = mask.graph;
  const one = g.constInt64([1], []);
  const count = (x: Value) => ops.sub(ops.cumSum(ops.add(ops.mul(x, g.constInt64([0], [])), one), 1), one); // 0..n-1
  const lengthOf = (x: Value) => ops.gather(ops.shapeOf(x), g.constInt64([1], [])); // scalar
  const pastLength = ops.sub(lengthOf(mask), lengthOf(inputIds));
  const query = ops.unsqueeze(ops.add(count(inputIds), pastLength), [2]); // [B, T, 1]
  const key = ops.unsqueeze(count(mask), [1]); // [B, 1, P + T]
  const causal = ops.not(ops.greater(key, query)); // [B, T, P + T]
  const realKey = ops.cast(ops.unsqueeze(mask, [1]), 'bool'); // [B, 1, P + T]
  return ops.unsqueeze(ops.and(causal, realKey), [1, 2]); // [B, 1, 1, T, P + T]
}

interface AttentionOut {
  out: Value;
  probs: Value;
  key: Value;
  value: Value;
}

function attention(
  params: Params,
  c: LlamaConfig,
  layer: number,
  x: Value,
  rope: { cos: Value; sin: Value },
  allowed: Value,
  past: { key: Value; value: Value } | null,
): AttentionOut {
  const p = `model.layers.${layer}.self_attn`;
  const H = c.hiddenSize;
  const hd = c.headDim;
  const kv = c.numKeyValueHeads;
  const group = c.numAttentionHeads / kv;
  // Query head j = kvHead * group + g uses kv head j // group (HF repeat_kv = repeat_interleave): queries are laid
  // out [B, kv, group, T, hd] against keys [B, kv, 1, S, hd], so the matmul broadcasts each kv head over its group.
  const qFlat = project(params, `${p}.q_proj`, x, H, c.numAttentionHeads * hd); // [B, T, heads*hd]
  const q = ops.transpose(ops.reshape(qFlat, [0, 0, kv, group, hd]), [0, 2, 3, 1, 4]); // [B, kv, group, T, hd]
  const split = (name: string) =>
    ops.transpose(ops.reshape(project(params, `${p}.${name}`, x, H, kv * hd), [0, 0, kv, hd]), [0, 2, 1, 3]); // [B, kv, T, hd]
  const cos4 = ops.unsqueeze(rope.cos, [1]); // [B, 1, T, hd]
  const sin4 = ops.unsqueeze(rope.sin, [1]);
  const qRot = rotate(q, ops.unsqueeze(cos4, [1]), ops.unsqueeze(sin4, [1]), hd); // [B, kv, group, T, hd]
  let key = rotate(split('k_proj'), cos4, sin4, hd); // [B, kv, T, hd]
  let value = split('v_proj'); // [B, kv, T, hd]
  if (past) {
    key = ops.concat([past.key, key], 2); // [B, kv, P + T, hd]
    value = ops.concat([past.value, value], 2);
  }
  const keys = ops.unsqueeze(key, [2]); // [B, kv, 1, S, hd]
  const scores = ops.mul(ops.matmul(qRot, ops.transpose(keys, [0, 1, 2, 4, 3])), hd ** -0.5); // [B, kv, group, T, S]
  const probs = ops.softmax(ops.where(allowed, scores, x.graph.constFloat(MASKED)), -1); // [B, kv, group, T, S]
  const context = ops.matmul(probs, ops.unsqueeze(value, [2])); // [B, kv, group, T, hd]
  const merged = ops.reshape(ops.transpose(context, [0, 3, 1, 2, 4]), [0, 0, c.numAttentionHeads * hd]); // [B, T, heads*hd]
  return { out: project(params, `${p}.o_proj`, merged, c.numAttentionHeads * hd, H), probs, key, value };
}

/** down(silu(gate(x)) * up(x)) */
function mlp(params: Params, c: LlamaConfig, layer: number, x: Value): Value {
  const p = `model.layers.${layer}.mlp`;
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const gate = project(params, `${p}.gate_proj`, x, H, I); // [B, T, I]
  const silu = ops.mul(gate, ops.sigmoid(gate));
  return project(params, `${p}.down_proj`, ops.mul(silu, project(params, `${p}.up_proj`, x, H, I)), I, H); // [B, T, H]
}

/** [B, kv, group, T, S] -> [B, heads, T, S] (query head kvHead * group + g). */
function perHead(probs: Value, heads: number): Value {
  const g = probs.graph;
  const dims = ops.shapeOf(probs); // [5]
  const pick = (i: number) => ops.gather(dims, g.constInt64([i]));
  const shape = ops.concat([pick(0), g.constInt64([heads]), pick(3), pick(4)], 0);
  return ops.reshapeTo(probs, shape, [probs.shape[0], heads, probs.shape[3], probs.shape[4]]);
}

export function buildLlama(params: Params, c: LlamaConfig, inputs: LlamaInputs): LlamaOutputs {
  const g = inputs.inputIds.graph;
  const H = c.hiddenSize;
  const embed = params.get('model.embed_tokens.weight', [c.vocabSize, H]);
  const rope = ropeTables(g, c, inputs.positionIds);
  const allowed = attentionAllowed(inputs.inputIds, inputs.attentionMask);
  const states = [ops.gather(embed, inputs.inputIds)]; // [B, T, H]
  const attentions: Value[] = [];
  const present: { key: Value; value: Value }[] = [];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const x = states[i];
    const normed = rmsNorm(params, `model.layers.${i}.input_layernorm`, x, H, c.rmsNormEps);
    const a = attention(params, c, i, normed, rope, allowed, inputs.past?.[i] ?? null);
    const attended = ops.add(x, a.out);
    const post = rmsNorm(params, `model.layers.${i}.post_attention_layernorm`, attended, H, c.rmsNormEps);
    states.push(ops.add(attended, mlp(params, c, i, post)));
    attentions.push(perHead(a.probs, c.numAttentionHeads));
    present.push({ key: a.key, value: a.value });
  }
  const finalNormInput = states[states.length - 1];
  const last = rmsNorm(params, 'model.norm', finalNormInput, H, c.rmsNormEps); // [B, T, H]
  const head = c.tieWordEmbeddings ? embed : params.get('lm_head.weight', [c.vocabSize, H]);
  const logits = ops.matmul(last, ops.transpose(head, [1, 0])); // [B, T, V]
  return {
    hiddenStates: [...states.slice(0, -1), last],
    finalNormInput,
    lastHiddenState: last,
    logits,
    attentions,
    present,
    cos: rope.cos,
    sin: rope.sin,
  };
}

/** The text-generation graph in the onnx-community layout: logits, and with a cache present.N.key / .value. */
export function buildLlamaLmGraph(weights: Map<string, NamedTensor>, c: LlamaConfig, withPast: boolean): Graph {
  const g = new Graph(withPast ? 'llama-text-generation-with-past' : 'llama-text-generation');
  const out = buildLlama(new Params(g, weights), c, llamaInputs(g, c, withPast));
  g.output(out.logits, 'logits');
  if (withPast) {
    out.present.forEach((p, i) => {
      g.output(p.key, `present.${i}.key`);
      g.output(p.value, `present.${i}.value`);
    });
  }
  return g;
}

/** Every LlamaForCausalLM parameter with its shape, in named_parameters() order (lm_head only when untied). */
export function expectedLlamaWeights(c: LlamaConfig): { name: string; shape: number[] }[] {
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const list = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, H] }];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    list.push(
      { name: `${p}.self_attn.q_proj.weight`, shape: [q, H] },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kv, H] },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kv, H] },
      { name: `${p}.self_attn.o_proj.weight`, shape: [H, q] },
      { name: `${p}.mlp.gate_proj.weight`, shape: [I, H] },
      { name: `${p}.mlp.up_proj.weight`, shape: [I, H] },
      { name: `${p}.mlp.down_proj.weight`, shape: [H, I] },
      { name: `${p}.input_layernorm.weight`, shape: [H] },
      { name: `${p}.post_attention_layernorm.weight`, shape: [H] },
    );
  }
  list.push({ name: 'model.norm.weight', shape: [H] });
  if (!c.tieWordEmbeddings) list.push({ name: 'lm_head.weight', shape: [c.vocabSize, H] });
  return list;
}

/** Old checkpoints' rotary buffers (`...rotary_emb.inv_freq`): not parameters. */
export function isLlamaBuffer(name: string): boolean {
  return name.endsWith('.rotary_emb.inv_freq');
}

/**
 * Checkpoint names -> LlamaForCausalLM names: LlamaModel's bare names get `model.`, buffers are dropped, and a tied
 * `lm_head.weight` (a copy of embed_tokens) is dropped as save_pretrained does.
 */
export function canonicalLlamaWeightNames(tensors: Map<string, NamedTensor>, c: LlamaConfig): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [name, tensor] of tensors) {
    if (isLlamaBuffer(name)) continue;
    if (name === 'lm_head.weight' && c.tieWordEmbeddings) continue;
    const canonical = /^(embed_tokens|layers|norm)\./.test(name) ? `model.${name}` : name;
    if (out.has(canonical))
      throw new Error(`checkpoint is ambiguous: two tensors are both the parameter "${canonical}"`);
    out.set(canonical, tensor);
  }
  return out;
}

/** Reports every missing or mis-shaped parameter at once. */
export function validateLlamaWeights(tensors: Map<string, NamedTensor>, c: LlamaConfig): void {
  const problems: string[] = [];
  for (const w of expectedLlamaWeights(c)) {
    const t = tensors.get(w.name);
    if (!t) problems.push(`missing "${w.name}" [${w.shape.join(', ')}]`);
    else if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i]))
      problems.push(`"${w.name}" has shape [${t.shape.join(', ')}], config wants [${w.shape.join(', ')}]`);
  }
  if (problems.length)
    throw new Error(
      `weights do not match the llama config: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`,
    );
}
