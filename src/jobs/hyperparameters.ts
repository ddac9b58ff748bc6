// The training module's hyperparameters (src/train/trainer.ts TrainOptions, in the OpenAI API's snake_case), defined
// once: each one's type, range, default and description. The HTTP request schema, the job store and the GPU worker's
// training options all read these schemas and DEFAULT_HYPERPARAMETERS; the types are z.infer of them. zod and the
// error kind only: the pages' typed scripts reach this file through the HTTP schemas (the checks against a base
// model, which need src/nn, are in models.ts).
import { z } from 'zod';
import { RequestError } from '../core/errors.ts';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const auto = z.literal('auto');

/** One hyperparameter's accepted values (without its default). */
const FIELDS = {
  n_epochs: int(1, 100).describe('Epochs (default 3; "auto" = default).'),
  batch_size: int(1, 1024).describe('Examples per optimizer step (default 32; "auto" = default).'),
  learning_rate: z.number().gt(0).max(1).describe('AdamW peak learning rate (default 5e-5; "auto" = default).'),
  max_length: int(8, 8192).describe(
    "Tokens per example after truncation (default 128; at most the model's positions).",
  ),
  num_frozen_layers: int(0, 128).describe(
    "Encoder layers from the bottom kept frozen (default 0; at most the model's layers).",
  ),
  freeze_embeddings: z.boolean().describe('Keep the embeddings frozen (default false).'),
  pooling: z
    .enum(['cls', 'mean', 'max'])
    .nullable()
    .describe(
      "cls | mean | max: edgeclass's head over that pooling; null (default): the architecture's Hugging Face head.",
    ),
  warmup_ratio: z.number().min(0).lt(1).describe('Fraction of steps with a linear warm-up (default 0.1).'),
  weight_decay: z.number().min(0).max(1).describe('AdamW weight decay (default 0.01).'),
  seed: int(0, 2147483647).describe('Data order, dropout and head initialisation (default 42).'),
  gradient_accumulation_steps: int(1, 1024).describe('Micro-batches per optimizer step (default 1).'),
  eval_steps: int(1, 10_000_000)
    .nullable()
    .describe('Evaluate and checkpoint every N steps; null (default): every epoch.'),
  early_stopping_patience: int(1, 1000)
    .nullable()
    .describe('Stop after N evaluations without improvement; null (default): never.'),
};

/** A job's complete hyperparameters, as stored and as the worker trains with them. */
export const HyperparametersSchema = z.object(FIELDS);
export type Hyperparameters = z.infer<typeof HyperparametersSchema>;

/** As `edgeclass train` defaults them; what a job gets for each hyperparameter it leaves out. */
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

/**
 * What a request may give: any subset; n_epochs, batch_size and learning_rate may be "auto" (OpenAI), meaning the
 * default; learning_rate_multiplier (OpenAI's) scales the default learning rate instead of naming one.
 */
export const HyperparametersInputSchema = HyperparametersSchema.extend({
  n_epochs: z.union([FIELDS.n_epochs, auto]),
  batch_size: z.union([FIELDS.batch_size, auto]),
  learning_rate: z.union([FIELDS.learning_rate, auto]),
  learning_rate_multiplier: z
    .union([z.number().gt(0).max(1000), auto])
    .describe(
      "OpenAI's: learning_rate = multiplier x 5e-5 (edgeclass's default, the BERT paper's largest fine-tuning rate).",
    ),
})
  .partial()
  .strict();
export type HyperparametersInput = z.infer<typeof HyperparametersInputSchema>;

/** The rate learning_rate_multiplier scales: the default, the largest of the BERT paper's fine-tuning rates. */
export const BASE_LEARNING_RATE = DEFAULT_HYPERPARAMETERS.learning_rate;

/** The defaults, with what `hp` gives (and is not "auto") over them. */
export function withDefaults(hp: Partial<Record<keyof Hyperparameters, unknown>> | null | undefined): Hyperparameters {
  const out: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS };
  for (const key of Object.keys(DEFAULT_HYPERPARAMETERS) as (keyof Hyperparameters)[]) {
    const value = hp?.[key];
    if (value !== undefined && value !== 'auto') (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

export function resolveHyperparameters(
  input: HyperparametersInput | undefined,
  seed?: number,
  param = 'hyperparameters',
): Hyperparameters {
  const { learning_rate_multiplier: multiplier, ...given } = input ?? {};
  const out = withDefaults(given);
  if (multiplier !== undefined && multiplier !== 'auto') {
    if (given.learning_rate !== undefined && given.learning_rate !== 'auto') {
      throw new RequestError(
        'invalid_request',
        `${param}.learning_rate_multiplier: give learning_rate or learning_rate_multiplier, not both`,
        `${param}.learning_rate_multiplier`,
      );
    }
    out.learning_rate = multiplier * BASE_LEARNING_RATE;
  }
  if (seed !== undefined) {
    if (input?.seed !== undefined && input.seed !== seed) {
      throw new RequestError(
        'invalid_request',
        `seed: ${seed} differs from ${param}.seed ${input.seed}; give one`,
        'seed',
      );
    }
    out.seed = seed;
  }
  return out;
}
