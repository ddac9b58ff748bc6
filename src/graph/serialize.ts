// Graph -> ONNX ModelProto bytes (IR 8, opset 17), through onnx-proto's generated protobuf code.
import onnxProto from 'onnx-proto';
import { dtypeOfArray, ONNX_DTYPE, type AnyTypedArray } from './dtype.ts';
import type { Attribute, Graph, Value } from './graph.ts';

const { onnx } = onnxProto;

export const OPSET = 17;
export const IR_VERSION = 8;

export interface SerializeOptions {
  producerVersion?: string;
  docString?: string;
  /** Extra opset imports, e.g. { domain: 'com.microsoft', version: 1 }. */
  extraOpsets?: { domain: string; version: number }[];
  metadata?: Record<string, string>;
}

function valueInfo(v: Value) {
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(name: string, a: Attribute) {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int':
      return onnx.AttributeProto.create({ name, type: T.INT, i: a.value });
    case 'float':
      return onnx.AttributeProto.create({ name, type: T.FLOAT, f: a.value });
    case 'ints':
      return onnx.AttributeProto.create({ name, type: T.INTS, ints: a.value });
    case 'floats':
      return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: a.value });
    case 'string':
      return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(a.value) });
    case 'tensor':
      return onnx.AttributeProto.create({
        name,
        type: T.TENSOR,
        t: onnx.TensorProto.create({
          dims: a.value.dims,
          dataType: ONNX_DTYPE[dtypeOfArray(a.value.data)],
          rawData: rawBytes(a.value.data),
        }),
      });
  }
}

/** Little-endian bytes of a typed array, without copying (x86 and ARM are little-endian). */
function rawBytes(data: AnyTypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function serializeGraph(graph: Graph, options: SerializeOptions = {}): Uint8Array {
  const initializer = [...graph.initializers.values()].map(({ value, data }) =>
    onnx.TensorProto.create({
      name: value.name,
      dims: value.shape as number[],
      dataType: ONNX_DTYPE[value.dtype],
      rawData: rawBytes(data),
    }),
  );
  const node = graph.nodes.map((n) =>
    onnx.NodeProto.create({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      input: n.inputs.map((v) => (v ? v.name : '')),
      output: n.outputs.map((v) => v.name),
      attribute: Object.entries(n.attributes).map(([k, a]) => attribute(k, a)),
    }),
  );
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'edgeclass',
    producerVersion: options.producerVersion ?? '0.1.0',
    docString: options.docString ?? '',
    opsetImport: [{ domain: '', version: OPSET }, ...(options.extraOpsets ?? [])],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name,
      node,
      initializer,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
