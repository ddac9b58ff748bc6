// Causal language models (GPT-2 style) ready to score, by id, for the local side of strategy llm. They live in the
// same model store as the encoders and run on the same inference runtime, but take other inputs (position_ids, no
// token types) and give next-token logits, so they are loaded here rather than by the encoder pipelines'
// ModelRegistry. Concurrent requests share one load; a failed load is forgotten.
import { LoadOnce } from './load-once.ts';
import { parseGpt2Config } from '../nn/gpt2-config.ts';
import { createGpt2CausalLm, type CausalLm } from './classify/llm-local.ts';
import { inferenceError, isLastingLoadFailure, RequestError } from './errors.ts';
import { CAUSAL_LM_TYPES, type ModelRegistry } from './model-registry.ts';
import type { ModelStore } from '../store/model-store.ts';

/** A model's config.json parsed, or null when it has none or it is not JSON. */
async function readConfigJson(store: ModelStore, id: string): Promise<unknown> {
  const text = await store.readText(id, 'config.json');
  try {
    return text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/** A parsed config's model_type when it names a causal LM, else null. */
function causalTypeOf(configJson: unknown): string | null {
  const type = (configJson as { model_type?: unknown } | null)?.model_type;
  return typeof type === 'string' && CAUSAL_LM_TYPES.has(type) ? type : null;
}

/** The config's model_type when the store has the model and it is a causal LM; null otherwise (never throws). */
export async function causalLmType(store: ModelStore, id: string): Promise<string | null> {
  try {
    return causalTypeOf(await readConfigJson(store, id));
  } catch {
    return null;
  }
}

export class CausalLmRegistry {
  private readonly cache: LoadOnce<CausalLm>;

  constructor(private readonly models: ModelRegistry) {
    this.cache = new LoadOnce((id) => this.load(id), {
      remember: isLastingLoadFailure,
      fingerprint: (id) => models.fingerprint(id),
    });
  }

  causalType(id: string): Promise<string | null> {
    return causalLmType(this.models.store, id);
  }

  /** Whether the model is loaded or loading here (so it is a causal LM, as far as anyone knows yet). */
  isLoaded(id: string): boolean {
    return this.cache.has(id);
  }

  get(id: string): Promise<CausalLm> {
    return this.cache.get(id);
  }

  private async load(id: string): Promise<CausalLm> {
    // The tokenizer load answers "not found, and how to provide it" for a model that is not there at all.
    const { tokenizer } = await this.models.tokenizers.get(id);
    const configJson = await readConfigJson(this.models.store, id);
    if (causalTypeOf(configJson) === null) {
      const type = (configJson as { model_type?: unknown } | null)?.model_type;
      throw new RequestError(
        'unsupported_model',
        `model '${id}' is not a causal language model (config model_type ${JSON.stringify(type ?? null)}); strategy llm scores labels with ${[...CAUSAL_LM_TYPES].join(', ')} models, or forwards to a remote LLM`,
        'model',
      );
    }
    try {
      parseGpt2Config(configJson);
    } catch (err) {
      throw new RequestError(
        'unsupported_model',
        `model '${id}': config.json is not a valid GPT-2 config: ${err instanceof Error ? err.message : String(err)}`,
        'model',
      );
    }
    const { session } = await this.models.openGraph(id);
    if (!session.outputNames.includes('logits') || !session.inputNames.includes('input_ids')) {
      await session.release().catch(() => undefined);
      throw new RequestError(
        'unsupported_model',
        `model '${id}': its graph takes ${session.inputNames.join(', ')} and gives ${session.outputNames.join(', ')}; a causal LM takes input_ids and gives logits`,
        'model',
      );
    }
    return createGpt2CausalLm(
      configJson,
      tokenizer,
      async (feeds) => {
        const tensors = Object.fromEntries(
          Object.entries(feeds).map(([name, f]) => [name, { type: 'int64' as const, data: f.data, dims: f.dims }]),
        );
        try {
          return await session.run(tensors, ['logits']);
        } catch (err) {
          throw inferenceError(id, 'running', err);
        }
      },
      { inputNames: session.inputNames },
    );
  }
}
