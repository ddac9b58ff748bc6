// Models ready to run, by id: config.json, the tokenizer (through the TokenizerRegistry), sentence-transformers'
// pooling, and an inference session over onnx/model.onnx, all read from a ModelStore once per process or isolate.
// Concurrent requests for a model share one load; a failed load is forgotten, so a model provided later is found.
import { LoadOnce } from './load-once.ts';
import type { InferenceRuntime, InferenceSession } from '../inference/runtime.ts';
import type { FeedSpec, RowRunner } from '../inference/rows.ts';
import { unsatisfiableInputs } from '../inference/hf-inputs.ts';
import { isCausalLmConfig } from './causal-lm-config.ts';
import {
  chooseDtype,
  DEFAULT_DTYPE_SETTING,
  DTYPES,
  dtypeFile,
  dtypesIn,
  type DtypeSetting,
  type ModelDtype,
  parseDtypeSetting,
} from './dtypes.ts';
import { fingerprintOf, isValidModelId, type ModelStore } from '../store/model-store.ts';
import { inferenceError, isLastingLoadFailure, RequestError } from './errors.ts';
import { parseServingConfig, positionLimit, type ServingConfig } from './model-config.ts';
import { poolingFromSentenceTransformers, type Pooling } from './pooling.ts';
import type { Telemetry } from './telemetry.ts';
import { TOKENIZER_FILES, type LoadedTokenizer, type TokenizerRegistry } from './tokenizers.ts';

export const ONNX_FILE = 'onnx/model.onnx';
export type { ModelDtype } from './dtypes.ts';

/**
 * EDGECLASS_MODEL_DTYPE: the dtype served by default (fp32; q8 serves `onnx/model_quantized.onnx`, what
 * `edgeclass export --quantize q8` writes, where a folder has one), then `model=dtype` pairs for models that get
 * their own (see ./dtypes.ts).
 */
export function modelDtypeFromEnv(env: Record<string, unknown>): DtypeSetting {
  return parseDtypeSetting(env.EDGECLASS_MODEL_DTYPE);
}
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
  /** The graph served: onnx/model.onnx, or a variant (onnx/model_quantized.onnx for q8...). */
  onnxFile: string;
  /** Its dtype; a key for anything cached per graph (label embeddings). */
  dtype: ModelDtype;
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
  /** Which graph variant of a folder is served (EDGECLASS_MODEL_DTYPE); a dtype alone is the default for all. */
  dtype?: ModelDtype | DtypeSetting;
}

/** Which graph of a model a load reads: its dtype, and whether that dtype was asked for (strict) or a default. */
export interface DtypeChoice {
  dtype: ModelDtype;
  strict: boolean;
}

/** The cache key of a model load: `id\u0000dtype\u0000strict|lenient`. */
export function modelLoadKey(id: string, choice: DtypeChoice): string {
  return [id, choice.dtype, choice.strict ? 'strict' : 'lenient'].join('\u0000');
}

/** The model id of a modelLoadKey. */
export function modelIdOfKey(key: string): string {
  return key.split('\u0000')[0];
}

/**
 * One load per model and dtype, shared by concurrent callers; a lasting failure (a refused or missing model) is
 * remembered until a file its dtype's load reads changes (the encoder and causal-LM registries both use this).
 */
export function modelLoads<T>(
  load: (id: string, choice: DtypeChoice) => Promise<T>,
  fingerprint: (id: string, dtype: ModelDtype) => Promise<string>,
): LoadOnce<T> {
  const parse = (key: string): [string, DtypeChoice] => {
    const [id, dtype, strict] = key.split('\u0000');
    return [id, { dtype: dtype as ModelDtype, strict: strict === 'strict' }];
  };
  return new LoadOnce((key) => load(...parse(key)), {
    remember: isLastingLoadFailure,
    fingerprint: (key) => {
      const [id, choice] = parse(key);
      return fingerprint(id, choice.dtype);
    },
  });
}

export class ModelRegistry {
  /** Keyed by id and dtype: `id\u0000dtype\u0000strict|lenient`. */
  private readonly cache: LoadOnce<LoadedModel>;
  private runtime: Promise<InferenceRuntime> | null = null;
  private created: InferenceRuntime | null = null;
  readonly dtypes: DtypeSetting;

  constructor(private readonly options: ModelRegistryOptions) {
    const d = options.dtype;
    this.dtypes = d === undefined ? DEFAULT_DTYPE_SETTING : typeof d === 'string' ? parseDtypeSetting(d) : d;
    this.cache = modelLoads(
      (id, choice) => this.load(id, choice),
      (id, dtype) => this.fingerprint(id, dtype),
    );
  }

  /**
   * The files a model load reads (what serving needs: the dtype's graph, or every variant's when none is named):
   * a failed load is remembered until one of them changes.
   */
  fingerprint(id: string, dtype?: ModelDtype): Promise<string> {
    if (!isValidModelId(id)) return Promise.resolve('');
    const graphs = dtype ? [dtypeFile(dtype)] : DTYPES.map(dtypeFile);
    const files = ['config.json', 'modules.json', ...TOKENIZER_FILES, ...graphs];
    return fingerprintOf(this.options.store, id, files);
  }

  get store(): ModelStore {
    return this.options.store;
  }

  get tokenizers(): TokenizerRegistry {
    return this.options.tokenizers;
  }

  /** The model with the request's dtype, else the one EDGECLASS_MODEL_DTYPE gives it. */
  get(modelId: string, dtype?: string): Promise<LoadedModel> {
    const choice = chooseDtype(this.dtypes, modelId, dtype);
    return this.cache.get(modelLoadKey(modelId, choice));
  }

  /** The inference runtime, created on the first call (strategies with their own graphs, e.g. llm, use it too). */
  getRuntime(): Promise<InferenceRuntime> {
    return (this.runtime ??= Promise.resolve()
      .then(() => this.options.runtime())
      .then((runtime) => (this.created = runtime)));
  }

  /** The inference runtime's own heap (the WASM memory in workerd), once it exists; null otherwise. */
  runtimeMemoryBytes(): number | null {
    return this.created?.memoryBytes?.() ?? null;
  }

  /** Whether a session of the model is loaded (or loading), whatever its dtype. */
  isLoaded(modelId: string): boolean {
    return this.loaded().includes(modelId);
  }

  /** The ids whose sessions are loaded (or loading). */
  loaded(): string[] {
    return [...new Set(this.cache.keys().map(modelIdOfKey))];
  }

  private async load(id: string, choice: DtypeChoice): Promise<LoadedModel> {
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
    if (isCausalLmConfig(JSON.parse(configText))) {
      throw new RequestError(
        'unsupported_model',
        `model '${id}' is a causal language model (${config.modelType}): it serves /v1/classify with strategy llm, not encoder pipelines`,
        'model',
      );
    }
    const sentenceTransformers = await this.readSentenceTransformers(id);
    const { session, file: onnxFile, dtype } = await this.openGraph(id, choice);
    const padId = config.padTokenId ?? tokenizer.settings.padId ?? 0;
    const spec: FeedSpec = { inputNames: session.inputNames, inputs: session.inputs, padId };
    const unsatisfied = unsatisfiableInputs(spec);
    if (unsatisfied.length > 0) {
      await session.release().catch(() => undefined);
      throw new RequestError(
        'unsupported_model',
        `model '${id}': its graph takes inputs edgeclass cannot feed: ${unsatisfied.join(', ')}`,
        'model',
      );
    }
    const limits = [tokenizer.settings.modelMaxLength, positionLimit(config)].filter(
      (n): n is number => n !== null && n > 0,
    );
    const maxLength = limits.length ? Math.min(...limits) : DEFAULT_MAX_LENGTH;
    const runner = this.options.runner(session, spec, id);
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
      dtype,
    };
  }

  /**
   * A session over the model's graph in the chosen dtype, for the encoder pipelines here and for the causal LMs of
   * strategy llm (./causal-lms.ts). A variant named for the request or the model must be there; the default one
   * falls back to fp32 where a folder lacks it.
   */
  async openGraph(
    id: string,
    choice: { dtype: ModelDtype; strict: boolean } = chooseDtype(this.dtypes, id),
  ): Promise<{ session: InferenceSession; file: string; dtype: ModelDtype }> {
    const { store } = this.options;
    let dtype = choice.dtype;
    let bytes = await store.readBytes(id, dtypeFile(dtype));
    if (bytes === null && !choice.strict && dtype !== 'fp32') {
      dtype = 'fp32';
      bytes = await store.readBytes(id, ONNX_FILE);
    }
    if (bytes === null) throw await this.missingGraph(id, dtype);
    const file = dtypeFile(dtype);
    const runtime = await this.getRuntime();
    try {
      return { session: await runtime.createSession(bytes), file, dtype };
    } catch (err) {
      throw refuseOrWrap(id, runtime.name, file, dtype, err);
    }
  }

  /** 400 for a folder without the graph asked for, naming the variants it has. */
  private async missingGraph(id: string, dtype: ModelDtype): Promise<RequestError> {
    const info = (await this.options.store.list().catch(() => [])).find((m) => m.id === id);
    const has = info ? dtypesIn(info.files) : [];
    if (dtype === 'fp32' && has.length === 0) {
      return new RequestError(
        'unsupported_model',
        `model '${id}' has no ${ONNX_FILE}, so it can tokenize but not run: export one with \`edgeclass export <model dir>\` and provide it again`,
        'model',
      );
    }
    return new RequestError(
      'unsupported_model',
      `model '${id}' has no ${dtypeFile(dtype)} (dtype ${dtype})${has.length ? `; its variants: ${has.join(', ')}` : ''}`,
      'dtype',
    );
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

/**
 * A graph the runtime cannot load: for a float16 variant whose ops the runtime has no kernels for, a 400 naming the
 * variants to use instead; anything else is our failure (500 with the runtime's message).
 */
function refuseOrWrap(id: string, runtime: string, file: string, dtype: ModelDtype, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if ((dtype === 'fp16' || dtype === 'q4f16') && /implementation|kernel|not supported|float16/i.test(message)) {
    return new RequestError(
      'unsupported_model',
      `model '${id}': ${runtime} has no float16 kernels for ${file} (dtype ${dtype}); use dtype fp32, q8 or q4 (${message.slice(0, 200)})`,
      'dtype',
    );
  }
  return inferenceError(id, `${runtime} could not load ${file} of`, err);
}
