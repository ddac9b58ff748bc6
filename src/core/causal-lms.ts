// Causal language models ready to score, by id, for the local side of strategy llm: any decoder-only folder in the
// onnx-community layout (GPT-2, Llama, Mistral, Qwen, SmolLM, Phi...), with or without a cache. They live in the
// same model store as the encoders and run on the same inference runtime, but take other inputs (position_ids, an
// empty past_key_values) and give next-token logits, so they are loaded here rather than by the encoder
// pipelines' ModelRegistry. Concurrent requests share one load; a failed load is forgotten.
import type { LoadOnce } from './load-once.ts';
import { createCausalLm, type CausalLm } from './classify/llm-local.ts';
import { isCausalLmConfig, parseCausalLmConfig } from './causal-lm-config.ts';
import { chatPrompter } from './chat-template.ts';
import { chooseDtype } from './dtypes.ts';
import { inferenceError, RequestError } from './errors.ts';
import { type DtypeChoice, type ModelRegistry, modelIdOfKey, modelLoadKey, modelLoads } from './model-registry.ts';
import { type ModelStore, readJsonObject } from '../store/model-store.ts';
import { unsatisfiableInputs } from '../inference/hf-inputs.ts';

/** The config's model_type when the store has the model and it is a causal LM; null otherwise (never throws). */
export async function causalLmType(store: ModelStore, id: string): Promise<string | null> {
  try {
    const json = await readJsonObject(store, id, 'config.json');
    return json && isCausalLmConfig(json) ? parseCausalLmConfig(json).modelType : null;
  } catch {
    return null;
  }
}

export class CausalLmRegistry {
  /** Keyed by id and dtype: `id\u0000dtype\u0000strict|lenient`. */
  private readonly cache: LoadOnce<CausalLm>;

  constructor(private readonly models: ModelRegistry) {
    this.cache = modelLoads(
      (id, choice) => this.load(id, choice),
      (id, dtype) => models.fingerprint(id, dtype),
    );
  }

  causalType(id: string): Promise<string | null> {
    return causalLmType(this.models.store, id);
  }

  /** Whether the model is loaded or loading here (so it is a causal LM, as far as anyone knows yet). */
  isLoaded(id: string): boolean {
    return this.cache.keys().some((key) => modelIdOfKey(key) === id);
  }

  /** The model with the request's dtype, else the one EDGECLASS_MODEL_DTYPE gives it. */
  get(id: string, dtype?: string): Promise<CausalLm> {
    const choice = chooseDtype(this.models.dtypes, id, dtype);
    return this.cache.get(modelLoadKey(id, choice));
  }

  private async load(id: string, choice: DtypeChoice): Promise<CausalLm> {
    // The tokenizer load answers "not found, and how to provide it" for a model that is not there at all.
    const { tokenizer } = await this.models.tokenizers.get(id);
    const configJson = await readJsonObject(this.models.store, id, 'config.json');
    if (!configJson || !isCausalLmConfig(configJson)) {
      throw new RequestError(
        'unsupported_model',
        `model '${id}' is not a causal language model (config model_type ${JSON.stringify(configJson?.model_type ?? null)}, architectures ${JSON.stringify(configJson?.architectures ?? null)}); strategy llm scores labels with decoder-only models (an architecture *ForCausalLM), or forwards to a remote LLM`,
        'model',
      );
    }
    const config = parseCausalLmConfig(configJson);
    if (config.vocabSize === null) {
      throw new RequestError('unsupported_model', `model '${id}': config.json states no vocab_size`, 'model');
    }
    const chat = chatPrompter(id, await readJsonObject(this.models.store, id, 'tokenizer_config.json'));
    const { session } = await this.models.openGraph(id, choice);
    const spec = { inputNames: session.inputNames, inputs: session.inputs, padId: 0, cache: config.cache };
    const unsatisfied = unsatisfiableInputs(spec);
    if (!session.outputNames.includes('logits') || unsatisfied.length > 0) {
      await session.release().catch(() => undefined);
      throw new RequestError(
        'unsupported_model',
        unsatisfied.length > 0
          ? `model '${id}': its graph takes inputs edgeclass cannot feed: ${unsatisfied.join(', ')}`
          : `model '${id}': its graph gives ${session.outputNames.join(', ')}; a causal LM gives logits`,
        'model',
      );
    }
    return createCausalLm({
      tokenizer,
      vocabSize: config.vocabSize,
      maxLength: config.maxLength,
      // An instruct model's template puts its own bos where the model wants it.
      bosTokenId: chat ? null : config.bosTokenId,
      padTokenId: config.padTokenId ?? config.eosTokenId ?? 0,
      inputNames: session.inputNames,
      inputs: session.inputs,
      cache: config.cache,
      chat: chat ?? undefined,
      run: async (feeds) => {
        try {
          return await session.run(feeds, ['logits']);
        } catch (err) {
          throw inferenceError(id, 'running', err);
        }
      },
    });
  }
}
