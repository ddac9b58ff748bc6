// Dynamic int8 quantization of an inference graph (what onnxruntime's quantize_dynamic and Optimum's "q8" do):
// every MatMul by a constant weight becomes DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q) -> rescale, with W
// quantized once per output column (symmetric int8, zero point 0). Weights shrink 4x; activations are quantized
// per call from their own range.
import type { Graph, Node, Value } from './graph.ts';
import * as ops from './ops.ts';

/** The float weight [in, out] a MatMul multiplies by, if it is a constant (directly or through Transpose). */
function constantWeight(graph: Graph, node: Node): Float32Array | null {
  const b = node.inputs[1];
  if (!b || b.rank !== 2 || b.dtype !== 'float32') return null;
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
