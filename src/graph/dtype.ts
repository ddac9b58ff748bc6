// Element types the graph builder knows, with their ONNX TensorProto.DataType codes and typed arrays.

export type DType = 'float32' | 'int64' | 'int32' | 'bool' | 'int8' | 'uint8';

export const ONNX_DTYPE: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9 };

export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array
  : D extends 'int64' ? BigInt64Array
  : D extends 'int32' ? Int32Array
  : D extends 'int8' ? Int8Array
  : Uint8Array;

export type AnyTypedArray = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export function dtypeOfArray(data: AnyTypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

export function isFloat(d: DType): boolean {
  return d === 'float32';
}
