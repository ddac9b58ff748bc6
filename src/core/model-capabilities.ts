// What a model can do, from what its graph outputs, so that GET /v1/models says what the routes will answer:
// embeddings need token-level hidden states (last_hidden_state, token_embeddings), a classifier gives logits, a
// causal LM gives next-token logits (strategy llm) and no embeddings. The output names are read from the ONNX
// file's protobuf without decoding its weights, and remembered per model and file list (a process or isolate
// reads each graph once for the list, not on every GET /v1/models).
import { HIDDEN_STATES } from './infer.ts';
import { ONNX_FILE } from './model-registry.ts';
import type { ModelInfo, ModelStore } from '../store/model-store.ts';

export interface Capabilities {
  tokenize: boolean;
  embeddings: boolean;
  classify: boolean;
}

/** The capabilities of a graph with these outputs (null: no graph); `causal`: a causal LM's config. */
export function capabilitiesFromOutputs(
  outputs: string[] | null,
  hasTokenizer: boolean,
  causal: boolean,
): Capabilities {
  const hidden = outputs !== null && outputs.some((name) => HIDDEN_STATES.includes(name));
  const logits = outputs !== null && outputs.includes('logits');
  return { tokenize: hasTokenizer, embeddings: hidden && !causal, classify: logits || (hidden && !causal) };
}

const outputsCache = new WeakMap<ModelStore, Map<string, Promise<string[] | null>>>();

/** The capabilities of one listed model of a store. */
export async function modelCapabilities(store: ModelStore, model: ModelInfo, causal: boolean): Promise<Capabilities> {
  const hasTokenizer = model.files.includes('tokenizer.json');
  if (!model.files.includes(ONNX_FILE)) return capabilitiesFromOutputs(null, hasTokenizer, causal);
  let cache = outputsCache.get(store);
  if (!cache) outputsCache.set(store, (cache = new Map()));
  const key = `${model.id}\0${model.files.join('\0')}`;
  let outputs = cache.get(key);
  if (!outputs) {
    outputs = store.readBytes(model.id, ONNX_FILE).then(
      (bytes) => (bytes === null ? null : graphOutputNames(bytes)),
      () => null,
    );
    cache.set(key, outputs);
    // A graph that could not be read is tried again next time.
    void outputs.then((names) => names === null && cache.delete(key));
  }
  return capabilitiesFromOutputs(await outputs, hasTokenizer, causal);
}

// ---- a protobuf walk: ModelProto.graph (field 7) -> GraphProto.output (field 12) -> ValueInfoProto.name (field 1)

/** The graph output names of an ONNX model file; null when the bytes are not one. */
export function graphOutputNames(bytes: Uint8Array): string[] | null {
  try {
    const graph = fieldsOf(bytes, 0, bytes.length).find((f) => f.number === 7 && f.wire === 2);
    if (!graph) return null;
    const names: string[] = [];
    for (const output of fieldsOf(bytes, graph.start, graph.end)) {
      if (output.number !== 12 || output.wire !== 2) continue;
      const name = fieldsOf(bytes, output.start, output.end).find((f) => f.number === 1 && f.wire === 2);
      if (name) names.push(new TextDecoder().decode(bytes.subarray(name.start, name.end)));
    }
    return names;
  } catch {
    return null;
  }
}

interface Field {
  number: number;
  wire: number;
  /** The payload of a length-delimited field (wire type 2); empty for the others. */
  start: number;
  end: number;
}

/** The top-level fields of a message spanning bytes[start, end). */
function fieldsOf(bytes: Uint8Array, start: number, end: number): Field[] {
  const fields: Field[] = [];
  let at = start;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= end) throw new Error('truncated varint');
      const b = bytes[at++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (at < end) {
    const key = varint();
    const wire = key % 8;
    const number = Math.floor(key / 8);
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (at + length > end) throw new Error('truncated field');
      fields.push({ number, wire, start: at, end: at + length });
      at += length;
      continue;
    } else throw new Error(`wire type ${wire}`);
    fields.push({ number, wire, start: at, end: at });
  }
  return fields;
}
