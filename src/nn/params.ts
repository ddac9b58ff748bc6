// Model parameters in a graph, named with Hugging Face's (canonical, unprefixed) names so that an exported ONNX
// file, a checkpoint and a trainer all speak of the same tensors. Fixed parameters are initializers (baked into
// the model); trainable ones are graph inputs, since the trainer feeds their current values every step.
import type { Graph, Value } from '../graph/index.ts';
import type { NamedTensor } from './safetensors.ts';

export class Params {
  private readonly made = new Map<string, Value>();

  constructor(
    private readonly graph: Graph,
    private readonly tensors: Map<string, NamedTensor>,
    /** Which parameters the trainer may update; inference graphs mark none. */
    private readonly isTrainable: (name: string) => boolean = () => false,
    /** float64 builds a reference-precision twin of a model (gradient checks); models run in float32. */
    readonly dtype: 'float32' | 'float64' = 'float32',
  ) {}

  /** The parameter `name`, checked against the shape the architecture expects. */
  get(name: string, shape: number[]): Value {
    const existing = this.made.get(name);
    if (existing) return existing;
    const t = this.tensors.get(name);
    if (!t) throw new Error(`the checkpoint has no tensor '${name}' (expected shape [${shape.join(', ')}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`tensor '${name}' has shape [${t.shape.join(', ')}], the config implies [${shape.join(', ')}]`);
    }
    const data = this.dtype === 'float64' ? Float64Array.from(t.data) : t.data;
    const v = this.isTrainable(name)
      ? this.graph.input(name, this.dtype, shape)
      : this.graph.initializer(name, data, shape, false);
    this.made.set(name, v);
    return v;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The parameters the graph uses, in first-use order, as [name, value]. */
  used(): [string, Value][] {
    return [...this.made];
  }
}
