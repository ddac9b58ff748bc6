// The training module's hyperparameters (src/train/trainer.ts TrainOptions, in the OpenAI API's snake_case): the
// defaults a job gets for what it leaves out, and the checks that need the base model's config.json. Types and
// ranges are checked by the request schema (src/http/schemas/fine-tuning.ts) before this runs.
import { RequestError } from '../core/errors.ts';
import { encoderArchitecture } from '../nn/arch/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { Hyperparameters } from './protocol.ts';

/** As `edgeclass train` defaults them. */
export const DEFAULT_HYPERPARAMETERS: Hyperparameters = {
  n_epochs: 3,
  batch_size: 32,
  learning_rate: 5e-5,
  max_length: 128,
  num_frozen_layers: 0,
  freeze_embeddings: false,
  pooling: null,
  warmup_ratio: 0.1,
  weight_decay: 0.01,
  seed: 42,
  gradient_accumulation_steps: 1,
  eval_steps: null,
  early_stopping_patience: null,
};

/** What a request may give: any subset; n_epochs, batch_size and learning_rate may be "auto" (OpenAI), meaning
 * the default. */
export type HyperparametersInput = {
  [K in keyof Hyperparameters]?:
    | Hyperparameters[K]
    | (K extends 'n_epochs' | 'batch_size' | 'learning_rate' ? 'auto' : never);
};

export function resolveHyperparameters(input: HyperparametersInput | undefined, seed?: number): Hyperparameters {
  const out: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS };
  for (const [key, value] of Object.entries(input ?? {}) as [keyof Hyperparameters, unknown][]) {
    if (value === undefined || value === 'auto') continue;
    (out as unknown as Record<string, unknown>)[key] = value;
  }
  if (seed !== undefined) {
    if (input?.seed !== undefined && input.seed !== seed) {
      throw new RequestError(
        'invalid_request',
        `seed: ${seed} differs from hyperparameters.seed ${input.seed}; give one`,
        'seed',
      );
    }
    out.seed = seed;
  }
  return out;
}

/** Checks that depend on the base model: frozen layers within its depth, max_length within its positions. */
export function checkAgainstModel(h: Hyperparameters, config: ModelConfig, param = 'hyperparameters'): void {
  if (h.num_frozen_layers > config.numHiddenLayers) {
    throw new RequestError(
      'invalid_request',
      `${param}.num_frozen_layers: ${h.num_frozen_layers} is more than the model's ${config.numHiddenLayers} layers`,
      `${param}.num_frozen_layers`,
    );
  }
  // RoBERTa's position ids start after the padding id (HF create_position_ids_from_input_ids): two fewer usable.
  const positions = encoderArchitecture(config.modelType).maxSequenceLength(config);
  if (h.max_length > positions) {
    throw new RequestError(
      'invalid_request',
      `${param}.max_length: ${h.max_length} is more than the model's ${positions} positions`,
      `${param}.max_length`,
    );
  }
}
