// Priced, not adopted (bench/RESULTS.md, 2026-12-07): a rewrite of a built step graph's forward: each linear layer, MatMul(x, Transpose(w)) + bias, computed as one
// Gemm over x's rows (onnxruntime's Gemm writes the bias into its output and accumulates the product onto it, one
// pass over [rows, out] fewer than MatMul then Add). It runs after autodiff: the backward reads x, w and the
// gradient of the Add's output, never the MatMul's product, so it is left as it was.
import { ops, type Graph, type Node, type Value } from '../../src/graph/index.ts';

function consumersOf(g: Graph): Map<Value, Node[]> {
  const out = new Map<Value, Node[]>();
  for (const n of g.nodes)
    for (const v of n.inputs) {
      if (!v) continue;
      const list = out.get(v);
      if (list) list.push(n);
      else out.set(v, [n]);
    }
  return out;
}

/** x [..., K] @ Transpose(w [N, K]) + b [N], the MatMul's product read by nothing else: its parts, or null. */
function linearParts(add: Node, consumers: Map<Value, Node[]>, g: Graph) {
  if (add.opType !== 'Add') return null;
  const [prod, bias] = add.inputs;
  const mm = prod?.producer;
  if (!prod || !bias || bias.rank !== 1 || mm?.opType !== 'MatMul') return null;
  if ((consumers.get(prod) ?? []).length !== 1 || g.outputs.includes(prod)) return null;
  const [x, wt] = mm.inputs;
  const tr = wt?.producer;
  if (!x || !wt || x.rank < 3 || tr?.opType !== 'Transpose') return null;
  const w = tr.inputs[0]!;
  const perm = tr.attributes.perm;
  if (w.rank !== 2 || perm?.type !== 'ints' || perm.value.join() !== '1,0') return null;
  if (typeof w.shape[1] !== 'number' || typeof w.shape[0] !== 'number') return null;
  return { mm, x, w, bias, k: w.shape[1], n: w.shape[0] };
}

/** Rewrites every such linear layer in place; returns how many. */
export function linearsAsGemm(g: Graph): number {
  const consumers = consumersOf(g);
  const dropped = new Set<Node>();
  let count = 0;
  for (let i = 0; i < g.nodes.length; i++) {
    const add = g.nodes[i]!;
    const parts = linearParts(add, consumers, g);
    if (!parts) continue;
    const start = g.nodes.length;
    const rows = ops.reshape(parts.x, [-1, parts.k]); // [R, K]
    const y = ops.gemm(rows, parts.w, parts.bias, { transB: true }); // [R, N]
    const lead = ops.slice(ops.shapeOf(parts.x), [0], [-1], [0]); // [rank - 1]
    const target = ops.concat([lead, g.constInt64([parts.n])], 0); // [rank]
    // The Add becomes the Reshape back to [..., N]: its output Value, and so every reader of it, stays.
    add.opType = 'Reshape';
    add.inputs = [y, target];
    const made = g.nodes.splice(start);
    g.nodes.splice(i, 0, ...made);
    i += made.length;
    dropped.add(parts.mm);
    count++;
  }
  const kept = g.nodes.filter((n) => !dropped.has(n));
  g.nodes.length = 0;
  g.nodes.push(...kept);
  return count;
}
