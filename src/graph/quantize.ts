// Dynamic int8 quantization of an inference graph (what onnxruntime's quantize_dynamic and Optimum's "q8" do):
// every MatMul by a constant weight becomes DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q) -> rescale, with W
// quantized once per output column (symmetric int8, zero point 0). Weights shrink 4x; activations are quantized
// per call from their own range.
import type { Graph, Node, Value } from './graph.ts';
import * as ops from './ops.ts';

/** The float weight [in, out] a MatMul multiplies by, if it is a constant (directly or through Transpose). */
function constantWeight(graph: Graph, node: Node): Float32Array | null {
  const b = node.inputs[1];
  if (b?.rank !== 2 || b.dtype !== 'float32') return null;
  const init = graph.initializers.get(b.name);
  if (init && !init.trainable) return init.data as Float32Array;
  const t = b.producer;
  if (t?.opType !== 'Transpose') return null;
  const source = t.inputs[0] && graph.initializers.get(t.inputs[0].name);
  if (!source || source.trainable || source.value.rank !== 2) return null;
  const [rows, cols] = source.value.shape as number[]; // [out, in] -> transposed [in, out]
  const w = source.data as Float32Array;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

/** Symmetric per-column int8: W[k, j] ~ q[k, j] * scale[j]. */
function quantizeColumns(w: Float32Array, inDim: number, outDim: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(outDim);
  for (let j = 0; j < outDim; j++) {
    let m = 0;
    for (let k = 0; k < inDim; k++) m = Math.max(m, Math.abs(w[k * outDim + j]));
    scale[j] = m > 0 ? m / 127 : 1;
  }
  const q = new Int8Array(w.length);
  for (let k = 0; k < inDim; k++)
    for (let j = 0; j < outDim; j++)
      q[k * outDim + j] = Math.max(-127, Math.min(127, Math.round(w[k * outDim + j] / scale[j])));
  return { q, scale };
}

/** Removes nodes nothing uses and initializers no node reads. */
export function pruneUnused(graph: Graph): void {
  const needed = new Set<string>(graph.outputs.map((v) => v.name));
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (node.outputs.some((o) => needed.has(o.name))) {
      for (const v of node.inputs) if (v) needed.add(v.name);
    } else {
      graph.nodes.splice(i, 1);
    }
  }
  for (const name of [...graph.initializers.keys()]) if (!needed.has(name)) graph.initializers.delete(name);
}

/** Rewrites every MatMul by a constant weight of at least `minElements` values; returns how many. */
export function quantizeDynamicInt8(graph: Graph, minElements = 1024): number {
  let count = 0;
  for (const node of [...graph.nodes]) {
    if (node.opType !== 'MatMul') continue;
    const w = constantWeight(graph, node);
    if (!w || w.length < minElements) continue;
    const [inDim, outDim] = node.inputs[1]!.shape as number[];
    const { q, scale } = quantizeColumns(w, inDim, outDim);
    const x = node.inputs[0]!;
    const result = node.outputs[0];
    const before = graph.nodes.length;
    const [xq, xScale, xZero] = graph.addNode(
      'DynamicQuantizeLinear',
      [x],
      [
        { dtype: 'uint8', shape: x.shape },
        { dtype: 'float32', shape: [] },
        { dtype: 'uint8', shape: [] },
      ],
    );
    const wq = graph.constant(q, [inDim, outDim]);
    const [acc] = graph.addNode('MatMulInteger', [xq, wq, xZero], [{ dtype: 'int32', shape: result.shape }]);
    const scaled: Value = ops.mul(ops.mul(ops.cast(acc, 'float32'), xScale), graph.constant(scale, [outDim]));
    // The last new node takes over the MatMul's output value, so its consumers need no rewiring.
    const last = scaled.producer!;
    last.outputs = [result];
    const added = graph.nodes.splice(before);
    graph.nodes.splice(graph.nodes.indexOf(node), 1, ...added);
    count++;
  }
  pruneUnused(graph);
  return count;
}

// Embedding tables ------------------------------------------------------------------------------------------------

/** Symmetric per-row int8: T[r, :] ~ q[r, :] * scale[r]. */
function quantizeRows(t: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(rows);
  const q = new Int8Array(t.length);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(t[r * cols + c]));
    scale[r] = m > 0 ? m / 127 : 1;
    for (let c = 0; c < cols; c++)
      q[r * cols + c] = Math.max(-127, Math.min(127, Math.round(t[r * cols + c] / scale[r])));
  }
  return { q, scale };
}

/**
 * Rewrites every Gather from a constant float table of at least `minRows` rows (the word embeddings; position and
 * type tables are far smaller) into Gather(int8 table) * Gather(per-row scale): the table shrinks 4x and only the
 * looked-up rows are dequantized, as Optimum's dynamic quantization leaves them. Returns how many.
 */
export function quantizeEmbeddingTables(graph: Graph, minRows = 2048): number {
  let count = 0;
  for (const node of [...graph.nodes]) {
    const axis = node.attributes.axis;
    if (node.opType !== 'Gather' || (axis?.type === 'int' && axis.value !== 0)) continue;
    const table = node.inputs[0];
    const init = table && graph.initializers.get(table.name);
    if (!init || init.trainable || table!.dtype !== 'float32' || table!.rank !== 2) continue;
    const [rows, cols] = table!.shape as number[];
    if (rows < minRows) continue;
    const { q, scale } = quantizeRows(init.data as Float32Array, rows, cols);
    const indices = node.inputs[1]!;
    const result = node.outputs[0];
    const before = graph.nodes.length;
    const rowsQ = ops.gather(graph.constant(q, [rows, cols]), indices); // [..., H] int8
    const rowScale = ops.unsqueeze(ops.gather(graph.constant(scale, [rows]), indices), [-1]); // [..., 1]
    const dequantized = ops.mul(ops.cast(rowsQ, 'float32'), rowScale); // [..., H]
    dequantized.producer!.outputs = [result];
    const added = graph.nodes.splice(before);
    graph.nodes.splice(graph.nodes.indexOf(node), 1, ...added);
    count++;
  }
  pruneUnused(graph);
  return count;
}

// 4-bit weights -----------------------------------------------------------------------------------------------------

export const Q4_BLOCK = 32;

/**
 * W [K, N] as MatMulNBits wants it: per output column n, K cut into blocks of 32, each block symmetric 4-bit
 * (q = round(w / scale) + 8 in [0, 15], scale = max|w| / 7, the default zero point 8), two values a byte, low nibble
 * first. B [N, blocks, 16] uint8, scales [N * blocks].
 */
export function quantizeQ4(w: Float32Array, K: number, N: number): { packed: Uint8Array; scales: Float32Array } {
  const blocks = Math.ceil(K / Q4_BLOCK);
  const packed = new Uint8Array(N * blocks * (Q4_BLOCK / 2));
  const scales = new Float32Array(N * blocks);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      let m = 0;
      for (let k = b * Q4_BLOCK; k < Math.min(K, (b + 1) * Q4_BLOCK); k++) m = Math.max(m, Math.abs(w[k * N + n]));
      const scale = m > 0 ? m / 7 : 1;
      scales[n * blocks + b] = scale;
      for (let i = 0; i < Q4_BLOCK; i++) {
        const k = b * Q4_BLOCK + i;
        const q = k < K ? Math.max(0, Math.min(15, Math.round(w[k * N + n] / scale) + 8)) : 8;
        const at = (n * blocks + b) * (Q4_BLOCK / 2) + (i >> 1);
        packed[at] |= i & 1 ? q << 4 : q;
      }
    }
  }
  return { packed, scales };
}

/**
 * Rewrites every MatMul by a constant weight of at least `minElements` values into com.microsoft's MatMulNBits
 * (4 bits, block 32), as onnxruntime's and transformers.js' q4 exports do; returns how many. The graph must be
 * serialized with the com.microsoft opset imported (Q4_OPSET).
 */
export function quantizeMatMulQ4(graph: Graph, minElements = 1024): number {
  let count = 0;
  for (const node of [...graph.nodes]) {
    if (node.opType !== 'MatMul') continue;
    const w = constantWeight(graph, node);
    if (!w || w.length < minElements) continue;
    const [K, N] = node.inputs[1]!.shape as number[];
    const { packed, scales } = quantizeQ4(w, K, N);
    const blocks = Math.ceil(K / Q4_BLOCK);
    const B = graph.constant(packed, [N, blocks, Q4_BLOCK / 2]);
    const S = graph.constant(scales, [N * blocks]);
    const result = node.outputs[0];
    graph.addNode(
      'MatMulNBits',
      [node.inputs[0]!, B, S],
      [{ dtype: 'float32', shape: result.shape }],
      {
        K: { type: 'int', value: K },
        N: { type: 'int', value: N },
        bits: { type: 'int', value: 4 },
        block_size: { type: 'int', value: Q4_BLOCK },
      },
      { domain: 'com.microsoft' },
    );
    const added = graph.nodes.pop()!;
    added.outputs = [result]; // takes over the MatMul's output value, so its consumers need no rewiring
    graph.nodes.splice(graph.nodes.indexOf(node), 1, added);
    count++;
  }
  pruneUnused(graph);
  return count;
}

export const Q4_OPSET = { domain: 'com.microsoft', version: 1 };

/**
 * The quantized variants `edgeclass export --quantize` writes, by transformers.js' dtype names and files: q8
 * (dynamic int8 MatMuls and an int8 word-embedding table) and q4 (4-bit MatMulNBits, the same int8 embeddings).
 */
export type QuantizedDtype = 'q8' | 'q4';

export function quantizeFor(
  graph: Graph,
  dtype: QuantizedDtype,
): { file: string; extraOpsets: { domain: string; version: number }[]; note: string } {
  if (dtype === 'q8') quantizeDynamicInt8(graph);
  else quantizeMatMulQ4(graph);
  quantizeEmbeddingTables(graph);
  return dtype === 'q8'
    ? { file: 'model_quantized.onnx', extraOpsets: [], note: 'dynamic int8 (q8), int8 word embeddings' }
    : { file: 'model_q4.onnx', extraOpsets: [Q4_OPSET], note: '4-bit MatMulNBits block 32 (q4), int8 word embeddings' };
}
