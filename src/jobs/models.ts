// Model folders in the MODELS bucket (`<model id>/<file>`, the layout R2ModelStore serves): the checks a base
// model must pass before a job is queued, the files a worker fetches, and the fine-tuned folder a job writes.
import { RequestError } from '../core/errors.ts';
import { encoderArchitecture, parseModelConfig } from '../nn/arch/index.ts';
import { ModelConfigError, type ModelConfig } from '../nn/config.ts';
import { isValidModelFilePath, isValidModelId, parseFineTunedModelId } from '../store/model-store.ts';
import type { JobsContext } from './context.ts';
import type { Hyperparameters } from './hyperparameters.ts';
import type { BlobBody, BlobStore } from '../storage/types.ts';

/** What training reads from a base model folder. */
export const TRAINABLE_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'];
/** What serving a fine-tuned model needs. */
export const SERVABLE_FILES = ['config.json', 'tokenizer.json', 'onnx/model.onnx'];

/** `ft:<base>:<suffix>:<job id>` (an empty suffix gives `ft:<base>::<job id>`, as OpenAI's). */
export function fineTunedModelId(base: string, suffix: string | null, jobId: string): string {
  return `ft:${base}:${suffix ?? ''}:${jobId}`;
}

/** The base model's parsed config; 400 when the folder lacks what training needs or is not BERT/RoBERTa. */
export async function checkBaseModel(ctx: JobsContext, modelId: string, param = 'model'): Promise<ModelConfig> {
  if (!isValidModelId(modelId) || modelId.startsWith('ft:')) {
    throw new RequestError(
      'invalid_request',
      `${param}: '${modelId}' is not a base model id (a Hugging Face id such as bert-base-uncased)`,
      param,
    );
  }
  const heads = await Promise.all(TRAINABLE_FILES.map((file) => ctx.models.head(`${modelId}/${file}`)));
  const missing = TRAINABLE_FILES.filter((_, i) => heads[i] === null);
  if (missing.length === TRAINABLE_FILES.length) {
    throw new RequestError(
      'model_not_found',
      `${param}: unknown base model '${modelId}': upload its folder to the MODELS bucket (edgeclass models sync ${modelId})`,
      param,
    );
  }
  if (missing.length) {
    throw new RequestError(
      'unsupported_model',
      `${param}: the base model '${modelId}' cannot be fine-tuned: its folder lacks ${missing.join(', ')}`,
      param,
    );
  }
  const config = await ctx.models.get(`${modelId}/config.json`);
  try {
    return parseModelConfig(JSON.parse(await config!.text()));
  } catch (err) {
    if (err instanceof ModelConfigError || err instanceof SyntaxError) {
      throw new RequestError(
        'unsupported_model',
        `${param}: '${modelId}' cannot be fine-tuned here: ${err.message}`,
        param,
      );
    }
    throw err;
  }
}

/** Hidden files and partial uploads are not part of a folder (as the stores list them). */
function isListable(file: string): boolean {
  return !file.split('/').some((segment) => segment.startsWith('.')) && !file.endsWith('.incomplete');
}

/** Every file of a model folder, relative paths, sorted. */
export async function listModelFiles(bucket: BlobStore, modelId: string): Promise<string[]> {
  const prefix = `${modelId}/`;
  const files: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    files.push(...page.objects.map((o) => o.key.slice(prefix.length)).filter(isListable));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return files.sort();
}

/** The base model files a worker fetches: everything but the ONNX graphs (training reads the safetensors). */
export async function baseModelFilesForTraining(bucket: BlobStore, modelId: string): Promise<string[]> {
  return (await listModelFiles(bucket, modelId)).filter((f) => !f.startsWith('onnx/'));
}

export async function deleteModelFolder(bucket: BlobStore, modelId: string): Promise<void> {
  const files = await listModelFiles(bucket, modelId);
  for (let i = 0; i < files.length; i += 1000)
    await bucket.delete(files.slice(i, i + 1000).map((f) => `${modelId}/${f}`));
}

export function checkFilePath(file: string, param = 'file'): void {
  if (!isValidModelFilePath(file))
    throw new RequestError('invalid_request', `${param}: '${file.slice(0, 200)}' is not a relative file path`, param);
}

/** Whether `model` is a fine-tuned model of `owner`'s that its job finished making. */
export async function ownsFineTunedModel(ctx: JobsContext, owner: string, model: string): Promise<boolean> {
  const ft = parseFineTunedModelId(model);
  return ft ? ctx.jobs.madeModel(owner, ft.jobId, model) : false;
}

/** The fine-tuned models of `owner`'s succeeded jobs. */
export async function ownedFineTunedModels(ctx: JobsContext, owner: string): Promise<string[]> {
  return ctx.jobs.madeModels(owner);
}

/** One file of a model folder (a base model a worker trains from), or null. */
export function readModelFile(ctx: JobsContext, modelId: string, file: string): Promise<BlobBody | null> {
  return ctx.models.get(`${modelId}/${file}`);
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
