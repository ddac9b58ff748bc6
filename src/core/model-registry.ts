// Models ready to run, by id: config.json, the tokenizer (through the TokenizerRegistry), sentence-transformers'
// pooling, and an inference session over onnx/model.onnx, all read from a ModelStore once per process or isolate.
// Concurrent requests for a model share one load; a failed load is forgotten, so a model provided later is found.
import { LoadOnce } from './load-once.ts';
import type { InferenceRuntime, InferenceSession } from '../inference/runtime.ts';
import type { FeedSpec, RowRunner } from '../inference/rows.ts';
import { fingerprintOf, isValidModelId, type ModelStore } from '../store/model-store.ts';
import { inferenceError, isLastingLoadFailure, RequestError } from './errors.ts';
import { parseServingConfig, positionLimit, type ServingConfig } from './model-config.ts';
import { poolingFromSentenceTransformers, type Pooling } from './pooling.ts';
import type { Telemetry } from './telemetry.ts';
import { TOKENIZER_FILES, type LoadedTokenizer, type TokenizerRegistry } from './tokenizers.ts';

export const ONNX_FILE = 'onnx/model.onnx';

/**
 * Which graph of a folder is served: fp32 `onnx/model.onnx`, or with q8 `onnx/model_quantized.onnx` (dynamic int8
 * weights: what `edgeclass export --quantize q8` writes and transformers.js loads for dtype q8, a quarter of the
 * size, the one that fits a Worker's memory) where the folder has one, `onnx/model.onnx` where it does not.
 */
export type ModelDtype = 'fp32' | 'q8';
const ONNX_FILES: Record<ModelDtype, string[]> = { fp32: [ONNX_FILE], q8: ['onnx/model_quantized.onnx', ONNX_FILE] };

/** EDGECLASS_MODEL_DTYPE: fp32 (default) or q8. */
export function modelDtypeFromEnv(env: Record<string, unknown>): ModelDtype {
  const raw = env.EDGECLASS_MODEL_DTYPE;
  if (raw === undefined || raw === '' || raw === 'fp32') return 'fp32';
  if (raw === 'q8') return 'q8';
  throw new Error(`EDGECLASS_MODEL_DTYPE must be fp32 or q8, got '${String(raw)}'`);
}
/** config model_type values of decoder-only LMs: strategy llm scores labels with them (./causal-lms.ts). */
export const CAUSAL_LM_TYPES: ReadonlySet<string> = new Set(['gpt2']);
const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);
/** transformers' fallback when neither the tokenizer nor the config bounds the length. */
const DEFAULT_MAX_LENGTH = 512;

export interface SentenceTransformersInfo {
  /** The Pooling module's mode; null when it is one edgeclass does not compute (e.g. weightedmean). */
  pooling: Pooling | null;
  normalize: boolean;
}

export interface LoadedModel {
  id: string;
  config: ServingConfig;
  tokenizer: LoadedTokenizer;
  session: InferenceSession;
  runner: RowRunner;
  /** The longest sequence, special tokens included, the model is given; longer inputs are truncated. */
  maxLength: number;
  sentenceTransformers: SentenceTransformersInfo | null;
  /** Where tokenization times go (Node's metrics); null where nothing listens. */
  telemetry: Telemetry | null;
  /** The graph served: onnx/model.onnx, or onnx/model_quantized.onnx with dtype q8. */
  onnxFile: string;
}

export interface ModelRegistryOptions {
  store: ModelStore;
  tokenizers: TokenizerRegistry;
  /** The inference runtime, made on first use (so a process that never infers never loads one). */
  runtime: () => InferenceRuntime | Promise<InferenceRuntime>;
  /** How a session's rows run: batched per request (workerd) or across requests (Node). */
  runner: (session: InferenceSession, spec: FeedSpec, modelId: string) => RowRunner;
  /** Metrics (src/core/telemetry.ts); none by default. */
  telemetry?: Telemetry;
  /** fp32 (default) or q8: which ONNX file of a folder is served. */
  dtype?: ModelDtype;
}

export class ModelRegistry {
  private readonly cache: LoadOnce<LoadedModel>;
  private runtime: Promise<InferenceRuntime> | null = null;

  constructor(private readonly options: ModelRegistryOptions) {
    this.cache = new LoadOnce((id) => this.load(id), {
      remember: isLastingLoadFailure,
      fingerprint: (id) => this.fingerprint(id),
    });
  }

  /** The files a model load reads (what serving needs): a failed load is remembered until one of them changes. */
  fingerprint(id: string): Promise<string> {
    if (!isValidModelId(id)) return Promise.resolve('');
    const files = ['config.json', 'modules.json', ...TOKENIZER_FILES, ...ONNX_FILES[this.options.dtype ?? 'fp32']];
    return fingerprintOf(this.options.store, id, files);
  }

  get store(): ModelStore {
    return this.options.store;
  }

  get tokenizers(): TokenizerRegistry {
    return this.options.tokenizers;
  }

  get(modelId: string): Promise<LoadedModel> {
    return this.cache.get(modelId);
  }

  /** The inference runtime, created on the first call (strategies with their own graphs, e.g. llm, use it too). */
  getRuntime(): Promise<InferenceRuntime> {
    return (this.runtime ??= Promise.resolve().then(() => this.options.runtime()));
  }

  /** Whether the model's session is loaded (or loading). */
  isLoaded(modelId: string): boolean {
    return this.cache.has(modelId);
  }

  /** The ids whose sessions are loaded (or loading). */
  loaded(): string[] {
    return this.cache.keys();
  }

  private async load(id: string): Promise<LoadedModel> {
    if (!isValidModelId(id)) {
      throw new RequestError(
        'invalid_request',
        `'${id}' is not a valid model id (expected e.g. 'bert-base-uncased' or 'org/name')`,
        'model',
      );
    }
    const { store, tokenizers } = this.options;
    const configText = await store.readText(id, 'config.json');
    // The tokenizer load says "not found, and how to provide it" for a model that is not there at all.
    const tokenizer = await tokenizers.get(id);
    if (configText === null) {
      throw new RequestError(
        'unsupported_model',
        `model '${id}' has no config.json, so it cannot run (only tokenize)`,
        'model',
      );
    }
    const config = parseServingConfig(id, configText);
    if (config.modelType !== null && CAUSAL_LM_TYPES.has(config.modelType)) {
      throw new RequestError(
        'unsupported_model',
        `model '${id}' is a causal language model (${config.modelType}): it serves /v1/classify with strategy llm, not encoder pipelines`,
        'model',
      );
    }
    const sentenceTransformers = await this.readSentenceTransformers(id);
    const { session, file: onnxFile } = await this.openGraph(id);
    const unknown = session.inputNames.filter((name) => !KNOWN_INPUTS.has(name));
    if (!session.inputNames.includes('input_ids') || unknown.length > 0) {
      await session.release().catch(() => undefined);
      throw new RequestError(
        'unsupported_model',
        `model '${id}': its graph takes ${session.inputNames.join(', ')}; edgeclass feeds input_ids, attention_mask and token_type_ids only`,
        'model',
      );
    }
    const limits = [tokenizer.settings.modelMaxLength, positionLimit(config)].filter(
      (n): n is number => n !== null && n > 0,
    );
    const maxLength = limits.length ? Math.min(...limits) : DEFAULT_MAX_LENGTH;
    const padId = config.padTokenId ?? tokenizer.settings.padId ?? 0;
    const runner = this.options.runner(session, { inputNames: session.inputNames, padId }, id);
    return {
      id,
      config,
      tokenizer,
      session,
      runner,
      maxLength,
      sentenceTransformers,
      telemetry: this.options.telemetry ?? null,
      onnxFile,
    };
  }

  /**
   * A session over the model's graph (onnx/model.onnx, or the q8 one with dtype q8), for the encoder pipelines
   * here and for the causal LMs of strategy llm (./causal-lms.ts).
   */
  async openGraph(id: string): Promise<{ session: InferenceSession; file: string }> {
    let bytes: Uint8Array | null = null;
    let file = ONNX_FILE;
    for (const candidate of ONNX_FILES[this.options.dtype ?? 'fp32']) {
      bytes = await this.options.store.readBytes(id, candidate);
      file = candidate;
      if (bytes !== null) break;
    }
    if (bytes === null) {
      throw new RequestError(
        'unsupported_model',
        `model '${id}' has no ${ONNX_FILE}, so it can tokenize but not run: export one with \`edgeclass export <model dir>\` and provide it again`,
        'model',
      );
    }
    const runtime = await this.getRuntime();
    try {
      return { session: await runtime.createSession(bytes), file };
    } catch (err) {
      throw inferenceError(id, `${runtime.name} could not load ${file} of`, err);
    }
  }

  private async readSentenceTransformers(id: string): Promise<SentenceTransformersInfo | null> {
    const modulesText = await this.options.store.readText(id, 'modules.json');
    if (modulesText === null) return null;
    try {
      const modules = JSON.parse(modulesText) as { type?: string; path?: string }[];
      const poolingModule = modules.find((m) => typeof m.type === 'string' && m.type.endsWith('.Pooling'));
      if (!poolingModule) return null;
      const configText = await this.options.store.readText(id, `${poolingModule.path || '1_Pooling'}/config.json`);
      const pooling = configText === null ? null : poolingFromSentenceTransformers(JSON.parse(configText));
      return { pooling, normalize: modules.some((m) => typeof m.type === 'string' && m.type.endsWith('.Normalize')) };
    } catch {
      return null;
    }
  }
}
