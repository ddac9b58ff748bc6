// Tokenizers by model id: read tokenizer.json and tokenizer_config.json from a ModelStore once per process or
// isolate, then serve them from memory. Settings that Python's transformers reads from tokenizer_config.json
// (model_max_length, pad token, sides, clean-up) travel with the tokenizer.
import { LoadOnce } from './load-once.ts';
import { Tokenizer } from '../tokenizer/index.ts';
import { fingerprintOf, isValidModelId, type ModelStore } from '../store/model-store.ts';
import { isLastingLoadFailure, RequestError } from './errors.ts';

/** The files a tokenizer load reads: a failure is remembered until one of them changes. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'];

export interface TokenizerSettings {
  /** Truncation length for `truncation: true` without max_length; null when the model sets no limit. */
  modelMaxLength: number | null;
  padToken: string | null;
  padId: number | null;
  padTypeId: number;
  paddingSide: 'right' | 'left';
  truncationSide: 'right' | 'left';
  /** Whether token_type_ids are among the model's inputs (returned by default). */
  hasTokenTypeIds: boolean;
  cleanUpTokenizationSpaces: boolean;
  tokenizerClass: string | null;
}

export interface LoadedTokenizer {
  id: string;
  tokenizer: Tokenizer;
  settings: TokenizerSettings;
}

// transformers' model_input_names per tokenizer class (without the Fast suffix): who takes token_type_ids.
const WITH_TOKEN_TYPES = new Set([
  'Bert',
  'Electra',
  'Albert',
  'Deberta',
  'DebertaV2',
  'Funnel',
  'Layoutlm',
  'MobileBert',
  'Squeezebert',
  'ConvBert',
  'Xlnet',
  'RoFormer',
  'Splinter',
]);
const WITHOUT_TOKEN_TYPES = new Set([
  'Roberta',
  'XLMRoberta',
  'DistilBert',
  'GPT2',
  'MPNet',
  'Bart',
  'Camembert',
  'Longformer',
  'T5',
  'Llama',
  'CodeLlama',
  'Bloom',
  'Qwen2',
  'Gemma',
  'GPTNeoX',
  'Whisper',
  'Mbart',
  'MBart50',
  'Nllb',
  'Marian',
  'Pegasus',
]);

// transformers treats model_max_length above this (its VERY_LARGE_INTEGER default) as "no limit".
const NO_LIMIT = 1e20;

export class TokenizerRegistry {
  private readonly cache: LoadOnce<LoadedTokenizer>;

  constructor(private readonly store: ModelStore) {
    this.cache = new LoadOnce((id) => this.load(id), {
      remember: isLastingLoadFailure,
      fingerprint: (id) => (isValidModelId(id) ? fingerprintOf(store, id, TOKENIZER_FILES) : Promise.resolve('')),
    });
  }

  get(modelId: string): Promise<LoadedTokenizer> {
    return this.cache.get(modelId);
  }

  private async load(id: string): Promise<LoadedTokenizer> {
    if (!isValidModelId(id)) {
      throw new RequestError(
        'invalid_request',
        `'${id}' is not a valid model id (expected e.g. 'bert-base-uncased' or 'org/name')`,
        'model',
      );
    }
    const [tokenizerJson, configJson] = await Promise.all([
      this.store.readText(id, 'tokenizer.json'),
      this.store.readText(id, 'tokenizer_config.json'),
    ]);
    if (tokenizerJson === null) {
      const why = this.store.explainMissing?.(id);
      throw new RequestError(
        'model_not_found',
        `model '${id}' has no tokenizer.json here${why ? ` (${why})` : ''}. To provide it: ${this.store.howToProvide}`,
        'model',
      );
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = Tokenizer.fromJson(JSON.parse(tokenizerJson));
    } catch (err) {
      throw new RequestError(
        'unsupported_model',
        `model '${id}': ${err instanceof Error ? err.message : String(err)}`,
        'model',
      );
    }
    const config = configJson ? safeParse(configJson) : {};
    return { id, tokenizer, settings: settingsFrom(tokenizer, config) };
  }
}

function safeParse(text: string): Record<string, any> {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

function settingsFrom(tokenizer: Tokenizer, config: Record<string, any>): TokenizerSettings {
  const maxLength =
    typeof config.model_max_length === 'number' && config.model_max_length < NO_LIMIT ? config.model_max_length : null;
  const padToken = tokenContent(config.pad_token);
  const tokenizerClass = typeof config.tokenizer_class === 'string' ? config.tokenizer_class : null;
  return {
    modelMaxLength: maxLength,
    padToken,
    padId: padToken === null ? null : (tokenizer.tokenToId(padToken) ?? null),
    padTypeId: 0,
    paddingSide: config.padding_side === 'left' ? 'left' : 'right',
    truncationSide: config.truncation_side === 'left' ? 'left' : 'right',
    hasTokenTypeIds: hasTokenTypeIds(tokenizer, tokenizerClass, config.model_input_names),
    cleanUpTokenizationSpaces: config.clean_up_tokenization_spaces === true,
    tokenizerClass,
  };
}

/**
 * model_input_names when tokenizer_config.json lists them; else by tokenizer class where transformers knows it;
 * else by whether a pair gets a non-zero type id.
 */
function hasTokenTypeIds(tokenizer: Tokenizer, tokenizerClass: string | null, inputNames: unknown): boolean {
  if (Array.isArray(inputNames)) return inputNames.includes('token_type_ids');
  const base = tokenizerClass?.replace(/TokenizerFast$|Tokenizer$/, '') ?? '';
  if (WITH_TOKEN_TYPES.has(base)) return true;
  if (WITHOUT_TOKEN_TYPES.has(base)) return false;
  return tokenizer.encode('a', 'b').typeIds.some((t) => t !== 0);
}
