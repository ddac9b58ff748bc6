// What serving reads from a model's config.json: labels, the problem type and how long a sequence may be. Lenient
// on purpose (any architecture whose ONNX graph takes input_ids can be served); the training code's strict
// parser is src/nn/config.ts.
import { RequestError } from './errors.ts';

/**
 * Whether a label is an NLI model's entailment label: transformers' zero-shot pipeline takes the first label of
 * config label2id that starts with "entail", case aside. Strategy nli scores with it; /v1/models lists nli for it.
 */
export function isEntailmentLabel(label: string): boolean {
  return label.toLowerCase().startsWith('entail');
}

export interface ServingConfig {
  modelType: string | null;
  /** Label names by id (config id2label, else label2id inverted); null for a model without labels. */
  id2label: string[] | null;
  /** Lower-cased label name -> id, as Hugging Face's zero-shot pipeline reads it. */
  label2id: Map<string, number>;
  problemType: string | null;
  maxPositionEmbeddings: number | null;
  padTokenId: number | null;
  /** Width of the hidden states (and of mean/cls/max embeddings); null when the config does not say. */
  hiddenSize: number | null;
}

/** Architectures whose position ids start after the pad id (so `max_position_embeddings - pad - 1` fit). */
const OFFSET_POSITIONS = new Set(['roberta', 'xlm-roberta', 'camembert', 'longformer', 'xlm-roberta-xl']);

export function parseServingConfig(modelId: string, text: string): ServingConfig {
  let json: Record<string, unknown>;
  try {
    const value = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    json = value;
  } catch (err) {
    throw new RequestError(
      'unsupported_model',
      `model '${modelId}': config.json is not valid: ${err instanceof Error ? err.message : String(err)}`,
      'model',
    );
  }
  const int = (key: string) => (Number.isInteger(json[key]) ? (json[key] as number) : null);
  const id2label = labelsOf(json);
  const label2id = new Map<string, number>();
  if (json.label2id && typeof json.label2id === 'object') {
    for (const [name, id] of Object.entries(json.label2id as Record<string, unknown>)) {
      if (Number.isInteger(id)) label2id.set(name.toLowerCase(), id as number);
    }
  } else if (id2label) {
    id2label.forEach((name, id) => label2id.set(name.toLowerCase(), id));
  }
  return {
    modelType: typeof json.model_type === 'string' ? json.model_type : null,
    id2label,
    label2id,
    problemType: typeof json.problem_type === 'string' ? json.problem_type : null,
    maxPositionEmbeddings: int('max_position_embeddings'),
    padTokenId: int('pad_token_id'),
    hiddenSize: int('hidden_size') ?? int('dim') ?? int('d_model'),
  };
}

function labelsOf(json: Record<string, unknown>): string[] | null {
  const source =
    json.id2label && typeof json.id2label === 'object'
      ? Object.entries(json.id2label as Record<string, unknown>).map(
          ([id, name]) => [Number(id), String(name)] as const,
        )
      : json.label2id && typeof json.label2id === 'object'
        ? Object.entries(json.label2id as Record<string, unknown>).map(([name, id]) => [Number(id), name] as const)
        : null;
  if (!source || source.length === 0) return null;
  const labels: string[] = [];
  for (const [id, name] of source) {
    if (!Number.isInteger(id) || id < 0 || id >= source.length) return null;
    labels[id] = name;
  }
  return labels.length === source.length && !labels.includes(undefined as never) ? labels : null;
}

/** The longest sequence the model's position table holds; null when the config does not say. */
export function positionLimit(config: ServingConfig): number | null {
  if (config.maxPositionEmbeddings === null) return null;
  const offset = config.modelType && OFFSET_POSITIONS.has(config.modelType) ? (config.padTokenId ?? 1) + 1 : 0;
  return config.maxPositionEmbeddings - offset;
}
