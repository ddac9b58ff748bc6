export { Graph, Value, type Attribute, type Initializer, type Node } from './graph.ts';
export * as ops from './ops.ts';
export { serializeGraph, OPSET, IR_VERSION } from './serialize.ts';
export type { DType } from './dtype.ts';
export type { Dim, Shape } from './shape.ts';
