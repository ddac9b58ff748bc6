// safetensors reading/writing and checkpoint parameter names, against every model fixture (PyTorch-written
// checkpoints) and hand-made files with known bit patterns.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../src/nn/arch/index.ts';
import { readSafetensors, SafetensorsError, writeSafetensors, type NamedTensor } from '../src/nn/safetensors.ts';
import {
  canonicalWeightNames,
  expectedEncoderWeights,
  hfCheckpointNames,
  validateEncoderWeights,
  WeightsError,
} from '../src/nn/weights.ts';
import { REPO_ROOT } from './support/paths.ts';

const GOLDEN_DIR = path.resolve(
  process.env.EDGECLASS_MODEL_GOLDEN_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'golden', 'model'),
);
const fixtures = fs.existsSync(GOLDEN_DIR)
  ? fs
      .readdirSync(GOLDEN_DIR)
      .filter((d) => fs.existsSync(path.join(GOLDEN_DIR, d, 'golden.json')))
      .sort()
  : [];

// golden.json floats are shortest round-trip decimals of float32 values.
const f32 = (x: number) => Math.fround(x);
const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

// Builds a safetensors file from raw entries, laid out back to back in the given order.
interface RawEntry {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}
function makeFile(entries: RawEntry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const data = new Uint8Array(offset);
  offset = 0;
  for (const e of entries) {
    data.set(e.bytes, offset);
    offset += e.bytes.length;
  }
  return rawFile(JSON.stringify(header), data);
}
function rawFile(headerJson: string, data: Uint8Array, declaredSize?: number): Uint8Array {
  let json = headerJson;
  while (json.length % 8 !== 0) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  const view = new DataView(out.buffer);
  const size = declaredSize ?? h.length;
  view.setUint32(0, size % 2 ** 32, true);
  view.setUint32(4, Math.floor(size / 2 ** 32), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const u16le = (values: number[]) => {
  const b = new Uint8Array(values.length * 2);
  values.forEach((v, i) => new DataView(b.buffer).setUint16(i * 2, v, true));
  return b;
};
const f64le = (values: number[]) => {
  const b = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(b.buffer).setFloat64(i * 8, v, true));
  return b;
};
const f32le = (values: number[]) => {
  const b = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(b.buffer).setFloat32(i * 4, v, true));
  return b;
};

// Independent half-precision decoder (the textbook formula) to check the bit-twiddling one against.
function f16Reference(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe('model fixtures', () => {
  it(`finds fixtures in ${GOLDEN_DIR}`, () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  for (const name of fixtures) {
    describe(name, () => {
      const dir = path.join(GOLDEN_DIR, name);
      const golden = JSON.parse(fs.readFileSync(path.join(dir, 'golden.json'), 'utf8'));
      const config = parseModelConfig(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
      const modelBytes = new Uint8Array(fs.readFileSync(path.join(dir, golden.files?.weights ?? 'model.safetensors')));
      const headBytes = new Uint8Array(
        fs.readFileSync(path.join(dir, golden.files?.project_head ?? 'project_head.safetensors')),
      );
      const C = golden.num_labels as number;
      const H = config.hiddenSize;

      it('reads model.safetensors with the names and shapes of the HF checkpoint', () => {
        const { tensors, metadata } = readSafetensors(modelBytes);
        expect(metadata).toEqual({ format: 'pt' });
        const prefix = golden.weights_prefix as string;
        expect(prefix).toBe(`${config.modelType}.`);

        const canonical = canonicalWeightNames(tensors, config.modelType);
        validateEncoderWeights(canonical, config);
        const heads: Record<string, number[]> =
          config.modelType === 'bert'
            ? { 'classifier.weight': [C, H], 'classifier.bias': [C] }
            : {
                'classifier.dense.weight': [H, H],
                'classifier.dense.bias': [H],
                'classifier.out_proj.weight': [C, H],
                'classifier.out_proj.bias': [C],
              };
        const expected = new Map<string, number[]>(Object.entries(heads));
        for (const w of expectedEncoderWeights(config)) {
          // BertForSequenceClassification has a pooler, RobertaForSequenceClassification none.
          if (!w.optional || config.modelType === 'bert') expected.set(w.name, w.shape);
        }
        expect([...canonical.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [n, t] of canonical) {
          expect(t.shape, n).toEqual(expected.get(n));
          expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        }
        // Encoder names come back with exactly the checkpoint's prefix.
        expect([...hfCheckpointNames(canonical, config.modelType).keys()].sort()).toEqual([...tensors.keys()].sort());
      });

      it('maps float32 data without copying', () => {
        const { tensors } = readSafetensors(modelBytes);
        for (const t of tensors.values()) expect(t.data.buffer).toBe(modelBytes.buffer);
      });

      it('holds the weights the golden activations were computed from', () => {
        const w = canonicalWeightNames(readSafetensors(modelBytes).tensors, config.modelType);
        const word = w.get('embeddings.word_embeddings.weight')!.data;
        const pos = w.get('embeddings.position_embeddings.weight')!.data;
        const type = w.get('embeddings.token_type_embeddings.weight')!.data;
        const gamma = w.get('embeddings.LayerNorm.weight')!.data;
        const beta = w.get('embeddings.LayerNorm.bias')!.data;
        // Padding rows are zeroed at init (nn.Embedding(padding_idx)).
        expect(word.subarray(config.padTokenId * H, (config.padTokenId + 1) * H).every((x) => x === 0)).toBe(true);

        // Recompute embedding outputs (hidden_states[0]) for every token in float64 and compare: a swapped or
        // mis-read tensor would be far off, rounding differences are ~1e-6.
        const ids = golden.inputs.input_ids as number[][];
        const tts = golden.inputs.token_type_ids as number[][];
        const positions = golden.forward.position_ids as number[][];
        const want = golden.forward.hidden_states[0] as number[][][];
        let maxDiff = 0;
        for (let b = 0; b < ids.length; b++) {
          for (let t = 0; t < ids[b]!.length; t++) {
            const x = new Float64Array(H);
            for (let j = 0; j < H; j++) {
              x[j] = word[ids[b]![t]! * H + j]! + type[tts[b]![t]! * H + j]! + pos[positions[b]![t]! * H + j]!;
            }
            const mean = x.reduce((a, v) => a + v, 0) / H;
            const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / H;
            for (let j = 0; j < H; j++) {
              const y = ((x[j]! - mean) / Math.sqrt(variance + config.layerNormEps)) * gamma[j]! + beta[j]!;
              maxDiff = Math.max(maxDiff, Math.abs(y - want[b]![t]![j]!));
            }
          }
        }
        expect(maxDiff).toBeLessThan(1e-5);
      });

      it('reads project_head.safetensors bit for bit equal to golden.project_head', () => {
        const { tensors } = readSafetensors(headBytes);
        expect([...tensors.keys()].sort()).toEqual([...golden.project_head.weight_names].sort());
        const weight = tensors.get('project_head.classifier.weight')!;
        const bias = tensors.get('project_head.classifier.bias')!;
        expect(weight.shape).toEqual([C, H]);
        expect(bias.shape).toEqual([C]);
        const wantW = Float32Array.from((golden.project_head.weight as number[][]).flat().map(f32));
        const wantB = Float32Array.from((golden.project_head.bias as number[]).map(f32));
        expect(bitsOf(weight.data)).toEqual(bitsOf(wantW));
        expect(bitsOf(bias.data)).toEqual(bitsOf(wantB));
        // Head names are not encoder names: canonicalisation leaves them alone.
        expect([...canonicalWeightNames(tensors, config.modelType).keys()]).toEqual([...tensors.keys()]);
      });

      it('rewrites both files byte for byte', () => {
        for (const bytes of [modelBytes, headBytes]) {
          const { tensors, metadata } = readSafetensors(bytes);
          const written = writeSafetensors(tensors, metadata);
          expect(written.length).toBe(bytes.length);
          expect(Buffer.from(written).equals(Buffer.from(bytes))).toBe(true);
        }
      });
    });
  }
});

describe('readSafetensors: dtypes', () => {
  it('converts every F16 bit pattern exactly (subnormals, infinities, NaN, -0)', () => {
    const all = Array.from({ length: 65536 }, (_, i) => i);
    const { tensors } = readSafetensors(makeFile([{ name: 'h', dtype: 'F16', shape: [256, 256], bytes: u16le(all) }]));
    const t = tensors.get('h')!;
    expect(t.shape).toEqual([256, 256]);
    for (const h of all) {
      if (!Object.is(t.data[h], f16Reference(h)))
        throw new Error(`F16 0x${h.toString(16)}: got ${t.data[h]}, want ${f16Reference(h)}`);
    }
    const named = (h: number) => t.data[h];
    expect(named(0x3c00)).toBe(1);
    expect(named(0xc000)).toBe(-2);
    expect(named(0x0001)).toBe(2 ** -24);
    expect(named(0x03ff)).toBe(1023 * 2 ** -24);
    expect(named(0x0400)).toBe(2 ** -14);
    expect(named(0x7bff)).toBe(65504);
    expect(named(0x7c00)).toBe(Infinity);
    expect(named(0xfc00)).toBe(-Infinity);
    expect(Object.is(named(0x8000), -0)).toBe(true);
    expect(named(0x3555)).toBe(0.333251953125);
    expect(Number.isNaN(named(0x7e00))).toBe(true);
    // NaN payloads move up with the mantissa.
    expect(bitsOf(t.data)[0x7e00]).toBe(0x7fc00000);
    expect(bitsOf(t.data)[0xfe01]).toBe(0xffc02000);
  });

  it('converts every BF16 bit pattern exactly (the top half of a float32)', () => {
    const all = Array.from({ length: 65536 }, (_, i) => i);
    const t = readSafetensors(makeFile([{ name: 'b', dtype: 'BF16', shape: [65536], bytes: u16le(all) }])).tensors.get(
      'b',
    )!;
    const bits = bitsOf(t.data);
    for (const b of all)
      if (bits[b] !== b * 65536) throw new Error(`BF16 0x${b.toString(16)}: got bits 0x${bits[b]!.toString(16)}`);
    expect(t.data[0x3f80]).toBe(1);
    expect(t.data[0xc000]).toBe(-2);
    expect(t.data[0x7f80]).toBe(Infinity);
    expect(t.data[0x0001]).toBe(2 ** -133);
  });

  it('rounds F64 to the nearest float32 like Math.fround, aligned or not', () => {
    const values = [
      1 / 3,
      -0,
      0.1,
      1e300,
      -1e300,
      1e-50,
      2 ** -150,
      3 * 2 ** -150,
      NaN,
      -Infinity,
      3.4028235677973366e38,
      16777217,
    ];
    const check = (t: NamedTensor) => {
      expect(t.shape).toEqual([values.length]);
      values.forEach((v, i) => expect(Object.is(t.data[i], Math.fround(v)), `${v}`).toBe(true));
    };
    check(
      readSafetensors(
        makeFile([{ name: 'd', dtype: 'F64', shape: [values.length], bytes: f64le(values) }]),
      ).tensors.get('d')!,
    );
    // A 2-byte tensor first puts the F64 data at an odd offset: the DataView path.
    const odd = readSafetensors(
      makeFile([
        { name: 'a', dtype: 'F16', shape: [1], bytes: u16le([0x3c00]) },
        { name: 'd', dtype: 'F64', shape: [values.length], bytes: f64le(values) },
      ]),
    );
    check(odd.tensors.get('d')!);
  });

  it('copies F32 data that is not 4-byte aligned, bit for bit', () => {
    const values = [1.5, -0, Infinity, 1e-45, -3.4028234663852886e38];
    const file = makeFile([
      { name: 'a', dtype: 'BF16', shape: [1], bytes: u16le([0x3f80]) },
      { name: 'f', dtype: 'F32', shape: [5], bytes: f32le(values) },
    ]);
    const t = readSafetensors(file).tensors.get('f')!;
    expect(t.data.buffer).not.toBe(file.buffer);
    values.forEach((v, i) => expect(Object.is(t.data[i], Math.fround(v))).toBe(true));
  });

  it('finds aligned F32 data inside a Uint8Array that starts mid-buffer', () => {
    const file = makeFile([{ name: 'f', dtype: 'F32', shape: [2, 2], bytes: f32le([1, 2, 3, 4]) }]);
    const outer = new Uint8Array(file.length + 8);
    outer.set(file, 8);
    const t = readSafetensors(outer.subarray(8)).tensors.get('f')!;
    expect(t.data.buffer).toBe(outer.buffer);
    expect([...t.data]).toEqual([1, 2, 3, 4]);
    // ...and at an unaligned start it copies instead.
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expect([...readSafetensors(shifted.subarray(1)).tensors.get('f')!.data]).toEqual([1, 2, 3, 4]);
  });

  it('refuses integer tensors, naming the tensor and dtype, unless the caller skips them', () => {
    const file = makeFile([
      { name: 'embeddings.position_ids', dtype: 'I64', shape: [1, 2], bytes: new Uint8Array(16) },
      { name: 'w', dtype: 'F32', shape: [1], bytes: f32le([2]) },
    ]);
    expect(() => readSafetensors(file)).toThrow(SafetensorsError);
    expect(() => readSafetensors(file)).toThrow(/"embeddings\.position_ids" has dtype I64/);
    const i32 = makeFile([{ name: 'ids', dtype: 'I32', shape: [2], bytes: new Uint8Array(8) }]);
    expect(() => readSafetensors(i32)).toThrow(/"ids" has dtype I32/);
    const { tensors } = readSafetensors(file, { skip: (n, dtype) => dtype === 'I64' && n.endsWith('position_ids') });
    expect([...tensors.keys()]).toEqual(['w']);
  });

  it('reads empty tensors, scalars, a header without metadata, and keeps file order', () => {
    const file = makeFile(
      [
        { name: 'z', dtype: 'F32', shape: [0, 4], bytes: new Uint8Array(0) },
        { name: '10', dtype: 'F32', shape: [], bytes: f32le([7]) },
        { name: '2', dtype: 'F32', shape: [1], bytes: f32le([8]) },
      ],
      undefined,
    );
    const { tensors, metadata } = readSafetensors(file);
    expect(metadata).toEqual({});
    // JSON.parse would put the integer-like keys first; the map follows the data offsets instead.
    expect([...tensors.keys()]).toEqual(['z', '10', '2']);
    expect(tensors.get('z')).toEqual({ shape: [0, 4], data: new Float32Array(0) });
    expect([...tensors.get('10')!.data]).toEqual([7]);
  });
});

describe('readSafetensors: corrupt files', () => {
  const good = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['too short for a header size', () => new Uint8Array(5), /too short/],
    ['header size past the end of the file', () => rawFile(good, new Uint8Array(8), 4096), /runs past the end/],
    ['absurd header size', () => rawFile(good, new Uint8Array(8), 2 ** 40), /exceeds the 100000000-byte limit/],
    ['bad JSON', () => rawFile('{"a":{"dtype":"F32",', new Uint8Array(8)), /not valid UTF-8 JSON/],
    ['JSON that is not an object', () => rawFile('[1,2]', new Uint8Array(0)), /not an object/],
    [
      'offsets outside the data',
      () => rawFile('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', new Uint8Array(8)),
      /"a".*outside the 8-byte data section/,
    ],
    [
      'offsets that end before they begin',
      () => rawFile('{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', new Uint8Array(8)),
      /end before they begin/,
    ],
    [
      'shape that disagrees with the byte length',
      () => rawFile('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Uint8Array(8)),
      /"a": shape \[3\] of F32 needs 12 bytes but data_offsets span 8/,
    ],
    [
      'overlapping tensors',
      () =>
        rawFile(
          '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
          new Uint8Array(8),
        ),
      /"b".*overlap/,
    ],
    [
      'a gap between tensors',
      () => rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)),
      /gap of 4 bytes/,
    ],
    ['trailing bytes', () => rawFile(good, new Uint8Array(12)), /4 bytes after the last tensor/],
    [
      'an unknown dtype',
      () => rawFile('{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}', new Uint8Array(16)),
      /"a" has unknown dtype "F128"/,
    ],
    [
      'a missing dtype',
      () => rawFile('{"a":{"shape":[2],"data_offsets":[0,8]}}', new Uint8Array(8)),
      /"a": dtype is missing/,
    ],
    [
      'a negative dimension',
      () => rawFile('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', new Uint8Array(8)),
      /"a": shape must be/,
    ],
    [
      'bad data_offsets',
      () => rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', new Uint8Array(8)),
      /"a": data_offsets must be/,
    ],
    [
      'non-string metadata',
      () => rawFile('{"__metadata__":{"step":3}}', new Uint8Array(0)),
      /"__metadata__\.step" is not a string/,
    ],
  ];
  for (const [what, file, message] of cases) {
    it(`rejects ${what}`, () => {
      expect(() => readSafetensors(file())).toThrow(SafetensorsError);
      expect(() => readSafetensors(file())).toThrow(message);
    });
  }
});

describe('writeSafetensors', () => {
  it('round-trips bit for bit, NaN payloads and -0 included', () => {
    const special = new Float32Array(8);
    bitsOf(special).set([
      0x7fc00001, 0xff800001, 0x80000000, 0x00000001, 0x7f7fffff, 0x7f800000, 0x3eaaaaab, 0xbf800000,
    ]);
    const tensors = new Map<string, NamedTensor>([
      ['s', { shape: [2, 4], data: special }],
      ['empty', { shape: [3, 0], data: new Float32Array(0) }],
      ['scalar', { shape: [], data: Float32Array.of(42) }],
    ]);
    const back = readSafetensors(writeSafetensors(tensors, { step: '3' }));
    expect(back.metadata).toEqual({ format: 'pt', step: '3' });
    expect([...back.tensors.keys()]).toEqual(['empty', 's', 'scalar']);
    expect(bitsOf(back.tensors.get('s')!.data)).toEqual(bitsOf(special));
    expect(back.tensors.get('s')!.shape).toEqual([2, 4]);
    expect(back.tensors.get('empty')!.shape).toEqual([3, 0]);
    expect(back.tensors.get('scalar')).toEqual({ shape: [], data: Float32Array.of(42) });
  });

  it('lays the file out like Python safetensors: padded header, metadata first, names sorted by code point', () => {
    const sub = new Float32Array([9, 1, 2, 9]).subarray(1, 3); // a view: only its own bytes are written
    const bytes = writeSafetensors({
      b: { shape: [2], data: sub },
      a: { shape: [1], data: Float32Array.of(3) },
      '\u{1F600}': { shape: [1], data: Float32Array.of(4) },
      '\uFFFF': { shape: [1], data: Float32Array.of(5) },
    });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const want = new TextEncoder().encode(
      '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
        '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},' +
        '"\uFFFF":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},' +
        '"\u{1F600}":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}',
    );
    expect(n).toBe(Math.ceil(want.length / 8) * 8);
    expect(bytes.subarray(8, 8 + want.length)).toEqual(want);
    expect(bytes.subarray(8 + want.length, 8 + n).every((b) => b === 0x20)).toBe(true);
    expect([...new Float32Array(bytes.slice(8 + n).buffer)]).toEqual([3, 1, 2, 5, 4]);
    // Metadata may override the format but not move it.
    const custom = writeSafetensors({}, { note: 'x', format: 'np' });
    expect(new TextDecoder().decode(custom.subarray(8)).trimEnd()).toBe('{"__metadata__":{"format":"np","note":"x"}}');
  });

  it('refuses inconsistent tensors', () => {
    expect(() => writeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      /"w": shape \[2, 2\] has 4 elements but data has 3/,
    );
    expect(() => writeSafetensors({ w: { shape: [1.5], data: new Float32Array(1) } })).toThrow(/"w": shape/);
    expect(() => writeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } })).toThrow(
      /cannot be a tensor name/,
    );
  });

  it('reads a 128 MB checkpoint without copying it', () => {
    const big = new Float32Array(32 * 1024 * 1024);
    big[big.length - 1] = 7;
    const bytes = writeSafetensors({
      big: { shape: [32 * 1024, 1024], data: big },
      small: { shape: [1], data: Float32Array.of(1) },
    });
    const { tensors } = readSafetensors(bytes);
    const t = tensors.get('big')!;
    const small = tensors.get('small')!;
    // Views of the file's own memory (no copy), whatever the time it takes on a loaded machine: a write to the file's
    // bytes shows in the tensors.
    // Compared as booleans: a failure must not print (diff) 128 MB.
    expect(t.data.buffer === bytes.buffer, 'the big tensor is a view of the file').toBe(true);
    expect(small.data.buffer === bytes.buffer, 'the small tensor is a view of the file').toBe(true);
    expect(t.data[t.data.length - 1]).toBe(7);
    new Float32Array(bytes.buffer, t.data.byteOffset + 4 * (t.data.length - 1), 1)[0] = 9;
    new Float32Array(bytes.buffer, small.data.byteOffset, 1)[0] = 5;
    expect(t.data[t.data.length - 1]).toBe(9);
    expect(small.data[0]).toBe(5);
  });
});

describe('checkpoint names', () => {
  const cfg = parseModelConfig({
    model_type: 'bert',
    vocab_size: 10,
    hidden_size: 4,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 8,
    max_position_embeddings: 6,
  });
  const encoder = () =>
    new Map(
      expectedEncoderWeights(cfg).map((w) => [
        w.name,
        { shape: w.shape, data: new Float32Array(w.shape.reduce((a, b) => a * b, 1)) },
      ]),
    );

  it('lists every BertModel parameter with its shape', () => {
    const list = expectedEncoderWeights(cfg);
    expect(list.length).toBe(5 + 16 * cfg.numHiddenLayers + 2);
    expect(list.filter((w) => w.optional).map((w) => w.name)).toEqual(['pooler.dense.weight', 'pooler.dense.bias']);
    const byName = new Map(list.map((w) => [w.name, w.shape]));
    expect(byName.get('embeddings.word_embeddings.weight')).toEqual([10, 4]);
    expect(byName.get('embeddings.position_embeddings.weight')).toEqual([6, 4]);
    expect(byName.get('embeddings.token_type_embeddings.weight')).toEqual([2, 4]);
    expect(byName.get('encoder.layer.0.intermediate.dense.weight')).toEqual([8, 4]);
    expect(byName.get('encoder.layer.0.output.dense.weight')).toEqual([4, 8]);
  });

  it('accepts prefixed, bare (sentence-transformers) and gamma/beta names', () => {
    const bare = encoder();
    const prefixed = new Map([...bare].map(([n, t]) => [`bert.${n}`, t]));
    prefixed.set('classifier.weight', { shape: [2, 4], data: new Float32Array(8) });
    const tf = new Map(
      [...bare].map(([n, t]) => [
        n.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'),
        t,
      ]),
    );
    for (const variant of [bare, prefixed, tf]) {
      const c = canonicalWeightNames(variant, 'bert');
      validateEncoderWeights(c, cfg);
      for (const n of bare.keys()) expect(c.get(n)).toBe(bare.get(n));
    }
    expect(canonicalWeightNames(prefixed, 'bert').has('classifier.weight')).toBe(true);
    // The other model's prefix is not stripped: such a checkpoint is simply missing its encoder.
    const wrong = canonicalWeightNames(new Map([...bare].map(([n, t]) => [`roberta.${n}`, t])), 'bert');
    expect(() => validateEncoderWeights(wrong, cfg)).toThrow(/missing "embeddings\.word_embeddings\.weight"/);
  });

  it('throws on a name that appears twice once canonical', () => {
    const m = encoder();
    m.set('bert.embeddings.LayerNorm.weight', m.get('embeddings.LayerNorm.weight')!);
    expect(() => canonicalWeightNames(m, 'bert')).toThrow(WeightsError);
    expect(() => canonicalWeightNames(m, 'bert')).toThrow(
      /"embeddings\.LayerNorm\.weight" and "bert\.embeddings\.LayerNorm\.weight"/,
    );
    const g = new Map([
      ['embeddings.LayerNorm.weight', { shape: [4], data: new Float32Array(4) }],
      ['embeddings.LayerNorm.gamma', { shape: [4], data: new Float32Array(4) }],
    ]);
    expect(() => canonicalWeightNames(g, 'bert')).toThrow(/ambiguous/);
  });

  it('writes HF names back with the model prefix', () => {
    const m = encoder();
    m.set('classifier.out_proj.weight', { shape: [2, 4], data: new Float32Array(8) });
    const hf = hfCheckpointNames(m, 'roberta');
    expect(hf.has('roberta.encoder.layer.0.attention.self.query.weight')).toBe(true);
    expect(hf.has('roberta.pooler.dense.weight')).toBe(true);
    expect(hf.has('classifier.out_proj.weight')).toBe(true);
    expect([...canonicalWeightNames(hf, 'roberta').keys()]).toEqual([...m.keys()]);
  });

  it('names every missing or mis-shaped tensor', () => {
    const m = encoder();
    m.delete('encoder.layer.0.attention.self.key.bias');
    m.set('encoder.layer.0.output.dense.weight', { shape: [8, 4], data: new Float32Array(32) });
    m.delete('pooler.dense.bias');
    let message = '';
    try {
      validateEncoderWeights(m, cfg);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/missing "encoder\.layer\.0\.attention\.self\.key\.bias" \[4\]/);
    expect(message).toMatch(/"encoder\.layer\.0\.output\.dense\.weight" has shape \[8, 4\], config wants \[4, 8\]/);
    expect(message).toMatch(/"pooler\.dense\.weight" comes without its partner/);
    // Without any pooler it is fine.
    const noPooler = encoder();
    noPooler.delete('pooler.dense.weight');
    noPooler.delete('pooler.dense.bias');
    expect(() => validateEncoderWeights(noPooler, cfg)).not.toThrow();
  });
});
