// The graph: named values, the nodes that produce them, inputs, initializers (named tensors, the model's
// parameters among them) and outputs. Ops live in ops.ts and add nodes here after checking and inferring shapes.
// The node list is kept in creation order, which is a topological order: what reverse-mode differentiation walks.
import { dtypeOfArray, type AnyTypedArray, type DType } from './dtype.ts';
import { formatShape, numel, type Shape } from './shape.ts';

export type Attribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: { data: AnyTypedArray; dims: number[] } };

export interface Node {
  name: string;
  opType: string;
  domain: string;
  /** null marks an omitted optional input. */
  inputs: (Value | null)[];
  outputs: Value[];
  attributes: Record<string, Attribute>;
}

export interface Initializer {
  value: Value;
  data: AnyTypedArray;
  /** A parameter the trainer may update (false for constants such as axes and shapes). */
  trainable: boolean;
}

/** A tensor flowing through the graph: its name, element type and (possibly symbolic) shape. */
export class Value {
  constructor(
    readonly graph: Graph,
    /** Unique in its graph; Graph.output may rename a node's result to the output name it is given. */
    public name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    /** The node that computes it; null for inputs and initializers. */
    readonly producer: Node | null,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, Value>();
  private counter = 0;

  constructor(readonly name = 'edgeclass') {}

  /** A fresh name: `base` itself if unused, else base_1, base_2, ... */
  uniqueName(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    if (this.names.has(name)) throw new Error(`graph input '${name}': the name is taken`);
    this.names.add(name);
    const v = new Value(this, name, dtype, shape, null);
    this.inputs.push(v);
    return v;
  }

  /** A named tensor stored in the model; `trainable` ones are the parameters. */
  initializer(name: string, data: AnyTypedArray, shape: number[], trainable = true): Value {
    if (this.names.has(name)) throw new Error(`initializer '${name}': the name is taken`);
    this.names.add(name);
    return this.addInitializer(name, data, shape, trainable);
  }

  /** `name` is already reserved. */
  private addInitializer(name: string, data: AnyTypedArray, shape: number[], trainable: boolean): Value {
    const size = numel(shape)!;
    if (data.length !== size)
      throw new Error(`initializer '${name}': ${data.length} values for shape ${formatShape(shape)}`);
    const v = new Value(this, name, dtypeOfArray(data), shape, null);
    this.initializers.set(name, { value: v, data, trainable });
    return v;
  }

  /** A constant tensor (deduplicated by content), e.g. axes or a target shape. */
  constant(data: AnyTypedArray, shape: number[]): Value {
    // Small constants (axes, shapes, scalars) are shared; large ones are never equal in practice.
    const key =
      data.length <= 64
        ? `${dtypeOfArray(data)}:${shape.join('x')}:${Array.from(data as ArrayLike<number | bigint>, String).join(',')}`
        : null;
    let v = key ? this.constants.get(key) : undefined;
    if (!v) {
      v = this.addInitializer(this.uniqueName('const'), data, shape, false);
      if (key) this.constants.set(key, v);
    }
    return v;
  }

  constInt64(values: number[], shape: number[] = [values.length]): Value {
    return this.constant(
      BigInt64Array.from(values, (x) => BigInt(x)),
      shape,
    );
  }

  constFloat(values: number[] | number, shape?: number[], dtype: 'float32' | 'float64' = 'float32'): Value {
    const arr = typeof values === 'number' ? [values] : values;
    const data = dtype === 'float64' ? Float64Array.from(arr) : Float32Array.from(arr);
    return this.constant(data, shape ?? (typeof values === 'number' ? [] : [arr.length]));
  }

  /** A float scalar of `like`'s float type. */
  scalarLike(like: Value, value: number): Value {
    return this.constFloat(value, [], like.dtype === 'float64' ? 'float64' : 'float32');
  }

  /** Adds a node; ops.ts calls this after checking inputs and computing the output specs. */
  addNode(
    opType: string,
    inputs: (Value | null)[],
    outputs: OutputSpec[],
    attributes: Record<string, Attribute> = {},
    options: { domain?: string; outputNames?: string[] } = {},
  ): Value[] {
    for (const v of inputs) {
      if (v && v.graph !== this) throw new Error(`${opType}: input '${v.name}' belongs to another graph`);
    }
    const node: Node = {
      name: this.uniqueName(opType),
      opType,
      domain: options.domain ?? '',
      inputs,
      outputs: [],
      attributes,
    };
    node.outputs = outputs.map(
      (spec, i) =>
        new Value(
          this,
          this.uniqueName(options.outputNames?.[i] ?? `${node.name}_out${i}`),
          spec.dtype,
          spec.shape,
          node,
        ),
    );
    this.nodes.push(node);
    return node.outputs;
  }

  /**
   * Marks `value` as a graph output called `name`. A node's result is renamed (names are only resolved when the
   * graph is serialized); inputs, initializers and values that are already outputs go through an Identity node.
   */
  output(value: Value, name: string = value.name): Value {
    let out = value;
    if (value.name !== name || !value.producer || this.outputs.includes(value)) {
      if (this.names.has(name)) throw new Error(`graph output '${name}': the name is taken`);
      if (value.producer && !this.outputs.includes(value)) {
        this.names.delete(value.name);
        this.names.add(name);
        value.name = name;
      } else {
        [out] = this.addNode(
          'Identity',
          [value],
          [{ dtype: value.dtype, shape: value.shape }],
          {},
          { outputNames: [name] },
        );
      }
    }
    this.outputs.push(out);
    return out;
  }

  parameters(): Initializer[] {
    return [...this.initializers.values()].filter((i) => i.trainable);
  }
}
