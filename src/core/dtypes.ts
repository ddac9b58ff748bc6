// The graph variants of a transformers.js / onnx-community repository, by the dtype names transformers.js gives
// them: which file each one is, which a folder has, and which one a request gets. A deployment sets a default
// (EDGECLASS_MODEL_DTYPE: one name, or a default then `model=dtype` pairs) and a request may name its own `dtype`.
import { RequestError } from './errors.ts';

export const DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;
export type ModelDtype = (typeof DTYPES)[number];

/** transformers.js' file for each dtype (its DEFAULT_DTYPE_SUFFIX_MAPPING), under onnx/. */
const SUFFIX: Record<ModelDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

export function isModelDtype(value: unknown): value is ModelDtype {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** The graph file of a dtype: onnx/model.onnx, onnx/model_quantized.onnx... */
export function dtypeFile(dtype: ModelDtype): string {
  return `onnx/model${SUFFIX[dtype]}.onnx`;
}

/** The dtypes whose graph is among a folder's files, in DTYPES order. */
export function dtypesIn(files: readonly string[]): ModelDtype[] {
  return DTYPES.filter((d) => files.includes(dtypeFile(d)));
}

/** What EDGECLASS_MODEL_DTYPE says: the default, and the models given their own. */
export interface DtypeSetting {
  /** Used where a folder has it; a folder without it is served fp32 (so one setting fits mixed folders). */
  fallback: ModelDtype;
  /** Named per model: that variant or a clear error. */
  perModel: ReadonlyMap<string, ModelDtype>;
}

export const DEFAULT_DTYPE_SETTING: DtypeSetting = { fallback: 'fp32', perModel: new Map() };

/** `q8`, or `q8,tiny-llama=fp16,org/model=q4`: a default then model=dtype pairs; empty: fp32. */
export function parseDtypeSetting(raw: unknown, name = 'EDGECLASS_MODEL_DTYPE'): DtypeSetting {
  if (raw === undefined || raw === '') return DEFAULT_DTYPE_SETTING;
  const perModel = new Map<string, ModelDtype>();
  let fallback: ModelDtype = 'fp32';
  for (const part of String(raw)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const value = eq < 0 ? part : part.slice(eq + 1);
    if (!isModelDtype(value)) throw new Error(`${name}: '${value}' is not one of ${DTYPES.join(', ')}`);
    if (eq < 0) fallback = value;
    else perModel.set(part.slice(0, eq), value);
  }
  return { fallback, perModel };
}

/** Which graph a request gets: `strict` when the variant was named for it (then absent is an error). */
export function chooseDtype(
  setting: DtypeSetting,
  modelId: string,
  requested?: string,
): { dtype: ModelDtype; strict: boolean } {
  if (requested !== undefined) {
    if (!isModelDtype(requested)) {
      throw new RequestError('invalid_request', `dtype must be one of ${DTYPES.join(', ')}`, 'dtype');
    }
    return { dtype: requested, strict: true };
  }
  const named = setting.perModel.get(modelId);
  return named ? { dtype: named, strict: true } : { dtype: setting.fallback, strict: false };
}
