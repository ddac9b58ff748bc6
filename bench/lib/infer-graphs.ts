// Variants of the feature-extraction graph, built here (not in src/) to measure which graph changes would make
// inference faster in ONNX Runtime; used by bench/lib/infer-variants.ts. Same weights, inputs and output
// (last_hidden_state) as src/nn/export.ts; BERT only.
//
// Two independent choices:
//   linear:    'transpose'     MatMul(x, Transpose(W[out,in])) + b, as src/nn/layers.ts linear() emits it
//              'pretransposed' MatMul(x, W^T stored as [in,out]) + b: no Transpose node
//              'gemm'          hidden states kept 2-D [B*T, H]; Gemm(x, W[out,in], b, transB=1): bias inside the GEMM
//   attention: 'matmul'        Reshape/Transpose heads, MatMul, Div, Add mask, Softmax, MatMul (as src/nn/encoder.ts)
//              'mha'           com.microsoft.MultiHeadAttention(q, k, v [B,T,H], packed q/k/v bias, key_padding_mask)
//              'attention'     com.microsoft.Attention(x [B,T,H], packed W_qkv [H,3H], b_qkv [3H], mask_index):
//                              one GEMM for q, k and v and the attention in one kernel
// The com.microsoft ops are ONNX Runtime contrib ops (CPU EP, also in onnxruntime-web's wasm build), not plain ONNX.
import { Graph, ops, serializeGraph, type Value } from '../../src/graph/index.ts';
import type { ModelFolder } from '../../src/nn/folder.ts';

export type LinearKind = 'transpose' | 'pretransposed' | 'gemm';
export type AttentionKind = 'matmul' | 'mha' | 'attention';
export interface VariantSpec {
  linear: LinearKind;
  attention: AttentionKind;
}

/** The graph variants the profiling and timing scripts compare with the export: [name, linear, attention]. */
export const VARIANTS: [string, LinearKind, AttentionKind][] = [
  ['pretransposed', 'pretransposed', 'matmul'],
  ['gemm2d', 'gemm', 'matmul'],
  ['mha', 'transpose', 'mha'],
  ['attention', 'transpose', 'attention'],
  ['gemm2d+attention', 'gemm', 'attention'],
];

const MASKED = -3.4028234663852886e38;

function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

export function buildVariant(folder: ModelFolder, spec: VariantSpec): Uint8Array {
  const { config, weights } = folder;
  if (config.modelType !== 'bert') throw new Error('infer-graphs: BERT only');
  const H = config.hiddenSize;
  const nh = config.numAttentionHeads;
  const hd = H / nh;
  const I = config.intermediateSize;
  const eps = config.layerNormEps;
  const g = new Graph(`bert-feature-extraction-${spec.linear}-${spec.attention}`);
  const tensor = (name: string) => {
    const t = weights.get(name);
    if (!t) throw new Error(`no tensor ${name}`);
    return t;
  };
  const init = (name: string, data?: Float32Array, shape?: number[]): Value => {
    const t = tensor(name);
    return g.initializer(name, data ?? t.data, shape ?? t.shape, false);
  };
  const made = new Map<string, Value>();
  const param = (name: string): Value => {
    let v = made.get(name);
    if (!v) made.set(name, (v = init(name)));
    return v;
  };

  const dims = ['batch_size', 'sequence_length'];
  const inputIds = g.input('input_ids', 'int64', dims);
  const attentionMask = g.input('attention_mask', 'int64', dims);
  const tokenTypeIds = g.input('token_type_ids', 'int64', dims);
  const bt = ops.shapeOf(inputIds); // [2]: B, T
  const shape3 = ops.concat([bt, g.constInt64([H])], 0); // [B, T, H]
  const flat = spec.linear === 'gemm';

  // Embeddings (as src/nn/encoder.ts): positions 0..T-1 by a cumulative sum of ones.
  const ones = ops.add(ops.mul(inputIds, g.constInt64([0], [])), g.constInt64([1], []));
  const positions = ops.sub(ops.cumSum(ones, 1), g.constInt64([1], []));
  const sum = ops.add(
    ops.add(
      ops.gather(param('embeddings.word_embeddings.weight'), inputIds),
      ops.gather(param('embeddings.token_type_embeddings.weight'), tokenTypeIds),
    ),
    ops.gather(param('embeddings.position_embeddings.weight'), positions),
  ); // [B, T, H]
  const ln = (x: Value, prefix: string) => ops.layerNorm(x, param(`${prefix}.weight`), param(`${prefix}.bias`), eps).y;
  let x = ln(flat ? ops.reshape(sum, [-1, H]) : sum, 'embeddings.LayerNorm'); // [B, T, H] or [B*T, H]

  const linear = (v: Value, prefix: string, inF: number, outF: number, withBias = true): Value => {
    const w = tensor(`${prefix}.weight`);
    const b = withBias ? param(`${prefix}.bias`) : null;
    let y: Value;
    if (spec.linear === 'gemm') return ops.gemm(v, param(`${prefix}.weight`), b, { transB: true });
    if (spec.linear === 'pretransposed')
      y = ops.matmul(v, g.initializer(`${prefix}.weight_t`, transposed(w.data, outF, inF), [inF, outF], false));
    else y = ops.matmul(v, ops.transpose(param(`${prefix}.weight`), [1, 0]));
    return b ? ops.add(y, b) : y;
  };
  const to3d = (v: Value) => (flat ? ops.reshapeTo(v, shape3, ['batch_size', 'sequence_length', H]) : v);
  const from3d = (v: Value) => (flat ? ops.reshape(v, [-1, H]) : v);

  const maskBias = ops.mul(ops.sub(g.constFloat(1), ops.cast(ops.unsqueeze(attentionMask, [1, 2]), 'float32')), MASKED); // [B,1,1,T]
  const mask32 = ops.cast(attentionMask, 'int32');

  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}`;
    const a = `${p}.attention`;
    let context: Value; // [B, T, H] or [B*T, H]
    if (spec.attention === 'matmul') {
      const split = (v: Value) => ops.transpose(ops.reshape(to3d(v), [0, 0, nh, hd]), [0, 2, 1, 3]);
      const q = split(linear(x, `${a}.self.query`, H, H));
      const k = split(linear(x, `${a}.self.key`, H, H));
      const v = split(linear(x, `${a}.self.value`, H, H));
      const scores = ops.add(ops.div(ops.matmul(q, ops.transpose(k, [0, 1, 3, 2])), Math.sqrt(hd)), maskBias);
      context = from3d(ops.reshape(ops.transpose(ops.matmul(ops.softmax(scores, -1), v), [0, 2, 1, 3]), [0, 0, H]));
    } else if (spec.attention === 'mha') {
      const q = to3d(linear(x, `${a}.self.query`, H, H, false));
      const k = to3d(linear(x, `${a}.self.key`, H, H, false));
      const v = to3d(linear(x, `${a}.self.value`, H, H, false));
      const bias = g.initializer(
        `${a}.self.qkv_bias`,
        Float32Array.from([
          ...tensor(`${a}.self.query.bias`).data,
          ...tensor(`${a}.self.key.bias`).data,
          ...tensor(`${a}.self.value.bias`).data,
        ]),
        [3 * H],
        false,
      );
      const [out] = g.addNode(
        'MultiHeadAttention',
        [q, k, v, bias, mask32],
        [{ dtype: 'float32', shape: q.shape }],
        { num_heads: { type: 'int', value: nh } },
        { domain: 'com.microsoft' },
      );
      context = from3d(out!);
    } else {
      // Packed [H, 3H]: columns 0..H-1 = Wq^T, then Wk^T, then Wv^T.
      const packed = new Float32Array(H * 3 * H);
      ['query', 'key', 'value'].forEach((n, j) => {
        const w = tensor(`${a}.self.${n}.weight`).data; // [out, in]
        for (let o = 0; o < H; o++) for (let inp = 0; inp < H; inp++) packed[inp * 3 * H + j * H + o] = w[o * H + inp]!;
      });
      const wqkv = g.initializer(`${a}.self.qkv_weight`, packed, [H, 3 * H], false);
      const bqkv = g.initializer(
        `${a}.self.qkv_bias`,
        Float32Array.from([
          ...tensor(`${a}.self.query.bias`).data,
          ...tensor(`${a}.self.key.bias`).data,
          ...tensor(`${a}.self.value.bias`).data,
        ]),
        [3 * H],
        false,
      );
      const x3 = to3d(x);
      const [out] = g.addNode(
        'Attention',
        [x3, wqkv, bqkv, mask32],
        [{ dtype: 'float32', shape: x3.shape }],
        { num_heads: { type: 'int', value: nh } },
        { domain: 'com.microsoft' },
      );
      context = from3d(out!);
    }
    const attended = ln(ops.add(linear(context, `${a}.output.dense`, H, H), x), `${a}.output.LayerNorm`);
    const inner = linear(attended, `${p}.intermediate.dense`, H, I);
    const gelu = ops.mul(ops.mul(inner, 0.5), ops.add(ops.erf(ops.div(inner, Math.SQRT2)), 1));
    x = ln(ops.add(linear(gelu, `${p}.output.dense`, I, H), attended), `${p}.output.LayerNorm`);
  }
  g.output(to3d(x), 'last_hidden_state');
  const contrib = spec.attention !== 'matmul';
  return serializeGraph(g, {
    docString: `bench variant ${spec.linear}/${spec.attention}`,
    extraOpsets: contrib ? [{ domain: 'com.microsoft', version: 1 }] : [],
  });
}
