// What a model folder can do, read from its file list and config.json without loading its graph (so /v1/models
// stays cheap): tokenize, embeddings, classify, the classify strategies that apply, and the graph variants there.
import { isCausalLmConfig } from './causal-lm-config.ts';
import { dtypesIn, type ModelDtype } from './dtypes.ts';
import type { ModelInfo, ModelStore } from '../store/model-store.ts';

export interface ModelCapabilities {
  tokenize: boolean;
  embeddings: boolean;
  classify: boolean;
  /** Strategies of /v1/classify that apply: llm (a causal LM), nli, model (its own labels), embedding. */
  strategies: string[];
  /** The graph variants present, by transformers.js' dtype names. */
  dtypes: ModelDtype[];
}

async function configOf(store: ModelStore, id: string): Promise<Record<string, unknown> | null> {
  try {
    const text = await store.readText(id, 'config.json');
    const json = text === null ? null : JSON.parse(text);
    return json && typeof json === 'object' && !Array.isArray(json) ? json : null;
  } catch {
    return null;
  }
}

/** The labels a config names (id2label's values, label2id's keys), lower-cased. */
function labelNames(config: Record<string, unknown>): string[] {
  const id2label = config.id2label && typeof config.id2label === 'object' ? Object.values(config.id2label) : [];
  const label2id = config.label2id && typeof config.label2id === 'object' ? Object.keys(config.label2id) : [];
  return [...id2label, ...label2id].map((l) => String(l).toLowerCase());
}

/** A classifier head: an architecture *ForSequenceClassification, or (without architectures) labels of its own. */
function isSequenceClassifier(config: Record<string, unknown>): boolean {
  const arch = Array.isArray(config.architectures) ? config.architectures.map(String) : [];
  if (arch.length) return arch.some((a) => a.endsWith('ForSequenceClassification'));
  return labelNames(config).some((l) => !/^label_\d+$/.test(l));
}

export async function modelCapabilities(store: ModelStore, model: ModelInfo): Promise<ModelCapabilities> {
  const dtypes = dtypesIn(model.files);
  const runs = dtypes.length > 0 || model.files.some((f) => f.startsWith('onnx/') && f.endsWith('.onnx'));
  const config = runs ? await configOf(store, model.id) : null;
  let strategies: string[] = [];
  if (config && isCausalLmConfig(config)) strategies = ['llm'];
  else if (config && isSequenceClassifier(config)) {
    strategies = labelNames(config).some((l) => l.startsWith('entail')) ? ['nli', 'model'] : ['model'];
  } else if (config) strategies = ['embedding'];
  return {
    tokenize: model.files.includes('tokenizer.json'),
    // A causal LM classifies (strategy llm) but gives no embeddings.
    embeddings: runs && !strategies.includes('llm'),
    classify: runs,
    strategies,
    dtypes,
  };
}
