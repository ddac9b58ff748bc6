// Element types the graph builder knows, with their ONNX TensorProto.DataType codes and typed arrays.

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'int8' | 'uint8';

export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int8'
          ? Int8Array
          : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export function dtypeOfArray(data: AnyTypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

/** The floating-point types: float64 exists for gradient checks, models run in float32. */
export const FLOATS: DType[] = ['float32', 'float64'];

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}
