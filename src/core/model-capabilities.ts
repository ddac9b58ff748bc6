// What a model folder can do, so that GET /v1/models says what the routes will answer. From what its graph
// outputs: embeddings need token-level hidden states (last_hidden_state, token_embeddings), a classifier gives
// logits; from its config.json: a causal LM classifies by strategy llm and gives no embeddings, a classifier whose
// labels include entailment serves strategy nli; from its file list: the graph variants (transformers.js' dtype
// names). The output names are read from the ONNX file's protobuf without decoding its weights, and remembered per
// model and file list (a process or isolate reads each graph once for the list, not on every GET /v1/models).
import { isCausalLmConfig } from './causal-lm-config.ts';
import { dtypeFile, dtypesIn, type ModelDtype } from './dtypes.ts';
import { HIDDEN_STATES } from './infer.ts';
import { isEntailmentLabel } from './model-config.ts';
import { type ModelInfo, type ModelStore, readJsonObject } from '../store/model-store.ts';

export interface ModelCapabilities {
  tokenize: boolean;
  embeddings: boolean;
  classify: boolean;
  /** Strategies of /v1/classify that apply: llm (a causal LM), nli, model (its own labels), embedding. */
  strategies: ('llm' | 'nli' | 'model' | 'embedding')[];
  /** The graph variants present, by transformers.js' dtype names. */
  dtypes: ModelDtype[];
}

/** What a graph with these outputs serves (null: no graph), given its config (null: none readable). */
export function capabilitiesFromOutputs(
  outputs: string[] | null,
  hasTokenizer: boolean,
  config: Record<string, unknown> | null,
  dtypes: ModelDtype[] = [],
): ModelCapabilities {
  const causal = config !== null && isCausalLmConfig(config);
  const hidden = outputs !== null && !causal && outputs.some((name) => HIDDEN_STATES.includes(name));
  const logits = outputs?.includes('logits') ?? false;
  const strategies: ModelCapabilities['strategies'] = [];
  if (causal && logits) strategies.push('llm');
  else if (logits)
    strategies.push(
      ...(config && labelNames(config).some(isEntailmentLabel) ? (['nli', 'model'] as const) : (['model'] as const)),
    );
  if (hidden) strategies.push('embedding');
  return { tokenize: hasTokenizer, embeddings: hidden, classify: strategies.length > 0, strategies, dtypes };
}

/** The labels a config names (id2label's values, label2id's keys). */
function labelNames(config: Record<string, unknown>): string[] {
  const id2label = config.id2label && typeof config.id2label === 'object' ? Object.values(config.id2label) : [];
  const label2id = config.label2id && typeof config.label2id === 'object' ? Object.keys(config.label2id) : [];
  return [...id2label, ...label2id].map((l) => String(l));
}

const outputsCache = new WeakMap<ModelStore, Map<string, Promise<string[] | null>>>();

/** The output names of a model's graph (its fp32 graph, else its first variant), remembered per file list. */
function outputsOf(store: ModelStore, model: ModelInfo, graphFile: string): Promise<string[] | null> {
  let cache = outputsCache.get(store);
  if (!cache) outputsCache.set(store, (cache = new Map()));
  const key = `${model.id}\0${model.files.join('\0')}`;
  let outputs = cache.get(key);
  if (!outputs) {
    outputs = store.readBytes(model.id, graphFile).then(
      (bytes) => (bytes === null ? null : graphOutputNames(bytes)),
      () => null,
    );
    cache.set(key, outputs);
    // A graph that could not be read is tried again next time.
    void outputs.then((names) => names === null && cache.delete(key));
  }
  return outputs;
}

/** The capabilities of one listed model of a store. */
export async function modelCapabilities(store: ModelStore, model: ModelInfo): Promise<ModelCapabilities> {
  const hasTokenizer = model.files.includes('tokenizer.json');
  const dtypes = dtypesIn(model.files);
  if (dtypes.length === 0) return capabilitiesFromOutputs(null, hasTokenizer, null);
  const graphFile = dtypeFile(dtypes.includes('fp32') ? 'fp32' : dtypes[0]);
  const [outputs, config] = await Promise.all([
    outputsOf(store, model, graphFile),
    readJsonObject(store, model.id, 'config.json').catch(() => null),
  ]);
  return capabilitiesFromOutputs(outputs, hasTokenizer, config, dtypes);
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
