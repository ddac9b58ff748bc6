// Reads and writes the safetensors format (https://github.com/huggingface/safetensors) with nothing but typed
// arrays, so the same code loads weights on Node and in workerd:
//   u64 LE header size N | N bytes of JSON (space padded) | raw little-endian tensor data, back to back.
// The JSON maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the first byte
// after the header) and may hold "__metadata__": {string: string}.
// Every tensor comes out as float32: F16 and BF16 widen exactly, F64 rounds to nearest (Math.fround).

export interface NamedTensor {
  shape: number[];
  data: Float32Array; // row-major, length = product of shape
}

export interface ReadSafetensorsOptions {
  // Lets a caller drop tensors it has no use for instead of failing on them, e.g. the int64
  // `embeddings.position_ids` buffer that older Hugging Face checkpoints carry: skip(name, dtype) === true drops it.
  skip?: (name: string, dtype: string) => boolean;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

// The Rust reference refuses headers over 100 MB; a bigger N is a corrupt or hostile file, not a model.
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

// Bytes per element of every dtype the format defines: known ones get "unsupported", unknown ones "unknown".
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};
const READABLE = new Set(['F32', 'F16', 'BF16', 'F64']);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

export function readSafetensors(
  bytes: Uint8Array,
  options: ReadSafetensorsOptions = {},
): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (bytes.byteLength < 8)
    throw new SafetensorsError(`file is ${bytes.byteLength} bytes, too short for the 8-byte header size`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerSize > MAX_HEADER_BYTES)
    throw new SafetensorsError(`header size ${headerSize} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerSize > bytes.byteLength - 8) {
    throw new SafetensorsError(`header size ${headerSize} runs past the end of the ${bytes.byteLength}-byte file`);
  }
  const dataStart = 8 + headerSize;
  const dataLength = bytes.byteLength - dataStart;

  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, dataStart)),
    );
  } catch (err) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header)) throw new SafetensorsError('header JSON is not an object');

  const metadata = parseMetadata(header[METADATA_KEY]);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, info]) => parseEntry(name, info));
  checkLayout(entries, dataLength);

  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    if (!READABLE.has(e.dtype)) {
      if (options.skip?.(e.name, e.dtype)) continue;
      throw new SafetensorsError(
        `tensor "${e.name}" has dtype ${e.dtype}; only floating point tensors (F32, F16, BF16, F64) can be loaded`,
      );
    }
    if (options.skip?.(e.name, e.dtype)) continue;
    tensors.set(e.name, { shape: e.shape, data: decode(bytes, dataStart + e.begin, e) });
  }
  return { tensors, metadata };
}

function parseMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) throw new SafetensorsError(`"${METADATA_KEY}" is not an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new SafetensorsError(`"${METADATA_KEY}.${k}" is not a string`);
    out[k] = v;
  }
  return out;
}

function parseEntry(name: string, info: unknown): Entry {
  if (!isPlainObject(info)) throw new SafetensorsError(`tensor "${name}": entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string') throw new SafetensorsError(`tensor "${name}": dtype is missing or not a string`);
  const size = DTYPE_BYTES[dtype];
  if (size === undefined) throw new SafetensorsError(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new SafetensorsError(
      `tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw new SafetensorsError(`tensor "${name}": data_offsets must be [begin, end], got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin)
    throw new SafetensorsError(`tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  if (elements * size !== end - begin) {
    throw new SafetensorsError(
      `tensor "${name}": shape [${shape.join(', ')}] of ${dtype} needs ${elements * size} bytes but data_offsets span ${end - begin}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

// Same rule as the Rust reference: sorted by offset, the tensors must tile the data section exactly — no gap,
// no overlap, no trailing bytes. Anything else means a truncated or tampered file.
function checkLayout(entries: Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of sorted) {
    if (e.end > dataLength) {
      throw new SafetensorsError(
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] lie outside the ${dataLength}-byte data section`,
      );
    }
    if (e.begin < expected)
      throw new SafetensorsError(`tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap the previous tensor`);
    if (e.begin > expected)
      throw new SafetensorsError(
        `tensor "${e.name}": gap of ${e.begin - expected} bytes before data_offsets [${e.begin}, ${e.end}]`,
      );
    expected = e.end;
  }
  if (expected !== dataLength)
    throw new SafetensorsError(`${dataLength - expected} bytes after the last tensor are not described by the header`);
  // Keep the tensors in file order, whatever order JSON.parse gave the keys (it moves integer-like keys first).
  entries.splice(0, entries.length, ...sorted);
}

function decode(bytes: Uint8Array, start: number, e: Entry): Float32Array {
  const count = (e.end - e.begin) / DTYPE_BYTES[e.dtype]!;
  const abs = bytes.byteOffset + start;
  switch (e.dtype) {
    case 'F32':
      // Zero-copy for the common case; the tensor then aliases `bytes` (a 400 MB checkpoint stays 400 MB).
      if (LITTLE_ENDIAN && abs % 4 === 0) return new Float32Array(bytes.buffer, abs, count);
      return copyU32(bytes, start, count);
    case 'F16':
      return decodeF16(bytes, start, count);
    case 'BF16':
      return decodeBF16(bytes, start, count);
    case 'F64':
      return decodeF64(bytes, start, count);
  }
  throw new SafetensorsError(`tensor "${e.name}": no decoder for ${e.dtype}`);
}

// Copies through the integer bit pattern (never a JS number) so NaN payloads survive.
function copyU32(bytes: Uint8Array, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + count * 4));
    return out;
  }
  const bits = new Uint32Array(out.buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * 4);
  for (let i = 0; i < count; i++) bits[i] = view.getUint32(i * 4, true);
  return out;
}

// Half -> single is exact: same sign, exponent rebiased by 127 - 15 = 112, mantissa shifted up 13 bits.
// Subnormal halves (exponent 0) are m * 2^-24, normal in float32, so plain arithmetic is exact there.
function decodeF16(bytes: Uint8Array, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0, p = start; i < count; i++, p += 2) {
    const h = bytes[p]! | (bytes[p + 1]! << 8);
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) {
      out[i] = (sign ? -mant : mant) * 2 ** -24; // also gives -0 for 0x8000
    } else if (exp === 0x1f) {
      bits[i] = (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf, or NaN with its payload
    } else {
      bits[i] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
    }
  }
  return out;
}

// bfloat16 is the top half of a float32.
function decodeBF16(bytes: Uint8Array, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0, p = start; i < count; i++, p += 2) bits[i] = ((bytes[p]! | (bytes[p + 1]! << 8)) << 16) >>> 0;
  return out;
}

// Float32Array stores by ToFloat32 (round to nearest even), the same rounding as Math.fround and torch's .float().
function decodeF64(bytes: Uint8Array, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const abs = bytes.byteOffset + start;
  if (LITTLE_ENDIAN && abs % 8 === 0) {
    out.set(new Float64Array(bytes.buffer, abs, count));
    return out;
  }
  const view = new DataView(bytes.buffer, abs, count * 8);
  for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

// Writes F32 tensors the way Python's safetensors does for an all-float32 state dict (torch's save_file):
// compact JSON, "__metadata__" first, tensors sorted by name and stored back to back in that order, header padded
// with spaces to a multiple of 8 so the data section stays 8-byte aligned.
export function writeSafetensors(
  tensors: Map<string, NamedTensor> | Record<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const list = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))];
  list.sort(([a], [b]) => compareCodePoints(a, b));

  const meta: Record<string, string> = { format: 'pt', ...metadata };
  let json = `{${JSON.stringify(METADATA_KEY)}:${JSON.stringify(meta)}`;
  let offset = 0;
  for (const [name, t] of list) {
    if (name === METADATA_KEY) throw new SafetensorsError(`"${METADATA_KEY}" cannot be a tensor name`);
    if (!(t.data instanceof Float32Array)) throw new SafetensorsError(`tensor "${name}": data must be a Float32Array`);
    if (!t.shape.every((d) => isIndex(d)))
      throw new SafetensorsError(`tensor "${name}": shape [${t.shape.join(', ')}] is not all non-negative integers`);
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) {
      throw new SafetensorsError(
        `tensor "${name}": shape [${t.shape.join(', ')}] has ${elements} elements but data has ${t.data.length}`,
      );
    }
    const end = offset + t.data.byteLength;
    json += `,${JSON.stringify(name)}:{"dtype":"F32","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`;
    offset = end;
  }
  json += '}';

  const headerBytes = new TextEncoder().encode(json);
  const headerSize = headerBytes.length + ((8 - (headerBytes.length % 8)) % 8);
  const out = new Uint8Array(8 + headerSize + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerSize % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerSize / 2 ** 32), true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.length, 8 + headerSize);

  let p = 8 + headerSize;
  for (const [, t] of list) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
    } else {
      const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
      for (let i = 0; i < bits.length; i++) view.setUint32(p + i * 4, bits[i]!, true);
    }
    p += t.data.byteLength;
  }
  return out;
}

// Rust sorts names as UTF-8 bytes, i.e. by code point; JS's default sort compares UTF-16 units, which differs
// for characters above U+FFFF.
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done ? (cb.done ? 0 : -1) : 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
