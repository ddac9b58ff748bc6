// The architecture registry: one module per config.json model_type (text-embeddings-inference's one Config enum with
// one file per model). Adding an architecture is a module in this folder and one line in ARCHITECTURES; nothing
// else in edgeclass branches on the model type. The one config.json reader is here too.
import { encoderConfigJson, ModelConfigError, parseEncoderConfig, type ModelConfig } from '../config.ts';
import { bert } from './bert.ts';
import { distilbert } from './distilbert.ts';
import { gpt2 } from './gpt2.ts';
import { llama } from './llama.ts';
import { roberta } from './roberta.ts';
import type { CausalLmArchitecture, EncoderArchitecture } from './types.ts';
import { xlmRoberta } from './xlm-roberta.ts';

export type Architecture = EncoderArchitecture | CausalLmArchitecture<any>;

const ARCHITECTURES: Record<string, Architecture> = {
  bert,
  roberta,
  'xlm-roberta': xlmRoberta,
  distilbert,
  gpt2,
  llama,
};

/** Every model_type edgeclass builds, encoders first. */
export const MODEL_TYPES: readonly string[] = Object.keys(ARCHITECTURES);

function describe(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** The module of a config's model_type; an unknown type fails with the list of known ones. */
export function architecture(modelType: unknown): Architecture {
  const arch =
    typeof modelType === 'string' && Object.hasOwn(ARCHITECTURES, modelType) ? ARCHITECTURES[modelType] : null;
  if (!arch)
    throw new ModelConfigError('model_type', `must be one of ${MODEL_TYPES.join(', ')}, got ${describe(modelType)}`);
  return arch;
}

/** The module of an encoder model_type; a causal LM's is refused with what it is. */
export function encoderArchitecture(modelType: unknown): EncoderArchitecture {
  const arch = architecture(modelType);
  if (arch.family !== 'encoder') {
    const encoders = MODEL_TYPES.filter((t) => ARCHITECTURES[t].family === 'encoder');
    throw new ModelConfigError(
      'model_type',
      `"${arch.modelType}" is a causal LM; this needs an encoder (${encoders.join(', ')})`,
    );
  }
  return arch;
}

/** The one config.json reader: the architecture it names and the config parsed by that architecture's rules. */
export function readModelConfig(
  json: unknown,
): { arch: EncoderArchitecture; config: ModelConfig } | { arch: CausalLmArchitecture<any>; config: unknown } {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ModelConfigError(null, `must be a JSON object, got ${describe(json)}`);
  const arch = architecture((json as Record<string, unknown>).model_type);
  if (arch.family === 'encoder')
    return { arch, config: parseEncoderConfig(json as Record<string, unknown>, arch.modelType, arch.config) };
  return { arch, config: arch.parseConfig(json) };
}

/** An encoder's config.json (what training, heads and feature extraction need). */
export function parseModelConfig(json: unknown): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ModelConfigError(null, `must be a JSON object, got ${describe(json)}`);
  const arch = encoderArchitecture((json as Record<string, unknown>).model_type);
  return parseEncoderConfig(json as Record<string, unknown>, arch.modelType, arch.config);
}

/** What transformers' save_pretrained writes for an encoder config, in its architecture's keys. */
export function toHfConfigJson(config: ModelConfig): Record<string, unknown> {
  return encoderConfigJson(config, encoderArchitecture(config.modelType).config);
}
