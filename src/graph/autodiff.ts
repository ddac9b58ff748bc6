// Reverse-mode differentiation over the graph builder's ops. Gradient nodes are added to the same graph, walking
// the forward nodes in reverse creation order (a topological order). Only nodes on a path from a `wrt` value to
// the loss get backward nodes: frozen parameters are simply not in `wrt`, so the backward pass stops at the lowest
// trainable layer by construction.
import type { Graph, Node, Value } from './graph.ts';
import * as ops from './ops.ts';
import { BACKWARD_RULES } from './grad-rules.ts';

export interface GradientOptions {
  /** Gradient of the loss itself; a scalar 1 of the loss's type by default. */
  seed?: Value;
  /**
   * 'float64': differentiate a float32 forward in float64 (forward values are widened where the backward uses
   * them; gradients come out float64). Gradients of entries that are small against the terms they sum then keep
   * their digits, which optimizers that normalise by the gradient's size (Adam) need.
   */
  precision?: 'float64';
}

/** A view of `node` whose float32 inputs and outputs are widened to float64 (one Cast per value, on demand). */
function widened(node: Node, casts: Map<Value, Value>): Node {
  const wide = (v: Value | null) => {
    if (v?.dtype !== 'float32') return v;
    let c = casts.get(v);
    if (!c) {
      c = ops.cast(v, 'float64');
      casts.set(v, c);
    }
    return c;
  };
  return { ...node, inputs: node.inputs.map(wide), outputs: node.outputs.map((o) => wide(o)!) };
}

/** Values reachable forward from `sources`, through the graph's nodes. */
function dependents(graph: Graph, sources: Set<Value>): Set<Value> {
  const reached = new Set(sources);
  for (const node of graph.nodes) {
    if (node.inputs.some((v) => v !== null && reached.has(v))) for (const o of node.outputs) reached.add(o);
  }
  return reached;
}

/** Values the `target` depends on (itself included). */
function dependencies(graph: Graph, target: Value): Set<Value> {
  const needed = new Set([target]);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (node.outputs.some((o) => needed.has(o))) for (const v of node.inputs) if (v) needed.add(v);
  }
  return needed;
}

/** Sums gradient contributions; a widened backward may mix float32 and float64 ones, which meet in float64. */
function sum(values: Value[]): Value {
  const mixed = values.some((v) => v.dtype !== values[0].dtype);
  const same = mixed ? values.map((v) => (v.dtype === 'float64' ? v : ops.cast(v, 'float64'))) : values;
  return same.reduce((acc, v) => ops.add(acc, v));
}

/**
 * d loss / d v for each v in `wrt`; a v the loss does not depend on gets no entry. Also returns the backward
 * nodes' count, which tests use to show that frozen layers add none.
 */
export function gradients(
  loss: Value,
  wrt: Value[],
  options: GradientOptions = {},
): { grads: Map<Value, Value>; backwardNodes: number } {
  const graph = loss.graph;
  const firstBackward = graph.nodes.length;
  const active = dependents(graph, new Set(wrt));
  const onPath = dependencies(graph, loss);
  const partials = new Map<Value, Value[]>();
  const addPartial = (v: Value, g: Value) => {
    const list = partials.get(v);
    if (list) list.push(g);
    else partials.set(v, [g]);
  };
  const wide = options.precision === 'float64';
  const casts = new Map<Value, Value>();
  addPartial(
    loss,
    options.seed ?? graph.constFloat(1, [], wide ? 'float64' : loss.dtype === 'float64' ? 'float64' : 'float32'),
  );

  const forward: Node[] = graph.nodes.slice(0, firstBackward);
  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i];
    if (!node.outputs.some((o) => partials.has(o))) continue;
    const needs = node.inputs.map((v) => v !== null && active.has(v) && onPath.has(v));
    if (!needs.some(Boolean)) continue;
    const rule = BACKWARD_RULES[node.opType];
    if (!rule) throw new Error(`no backward rule for ${node.opType} (node ${node.name})`);
    const gradOutputs = node.outputs.map((o) => {
      const list = partials.get(o);
      return list ? sum(list) : null;
    });
    const gradInputs = rule(wide ? widened(node, casts) : node, gradOutputs, needs, { widened: wide });
    node.inputs.forEach((v, k) => {
      const g = gradInputs[k];
      if (v && needs[k] && g) addPartial(v, g);
    });
  }

  const grads = new Map<Value, Value>();
  for (const v of wrt) {
    const list = partials.get(v);
    if (list) grads.set(v, sum(list));
  }
  return { grads, backwardNodes: graph.nodes.length - firstBackward };
}
