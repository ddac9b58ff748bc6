// A tokenizer assembled from a tokenizer.json: added tokens, normalizer, pre-tokenizer, model, post-processor and
// decoder, with Hugging Face's encode / truncate / pad / decode semantics.
import { AddedVocabulary, type AddedTokenConfig } from './added-vocabulary.ts';
import { byteLevelWordModel } from './byte-level-words.ts';
import { decodeTokens, decoderFromJson, type Decoder } from './decoders.ts';
import {
  Encoding,
  TokenizationError,
  type Offset,
  type PaddingSide,
  type TruncationSide,
  type WindowLimits,
} from './encoding.ts';
import { Bpe, type BpeConfig } from './models/bpe.ts';
import type { TokenModel, WordModel } from './models/model.ts';
import { Unigram, type UnigramConfig } from './models/unigram.ts';
import { WordLevel, type WordLevelConfig } from './models/wordlevel.ts';
import { WordPiece, type WordPieceConfig } from './models/wordpiece.ts';
import { normalizeText, normalizerFromJson, type Normalizer } from './normalizers.ts';
import { endOf, sliceNormalized, startOf, type NormalizedText } from './normalized.ts';
import { postProcessorFromJson, type PostProcessor } from './post-processors.ts';
import { planPreTokenizer, preTokenizerFromJson, type PreTokenizerPlan } from './pre-tokenizers.ts';
import { utf16ToCodePointIndex } from './unicode.ts';

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

export interface TruncationParams {
  maxLength: number;
  strategy: TruncationStrategy;
  stride: number;
  side: TruncationSide;
  /**
   * Keep the cut tokens as overflowing windows (default true, as the reference). False skips building them: for
   * callers that never read them, the main encoding is the same.
   */
  overflow?: boolean;
  /** Most overflowing windows one encode may make (default: no limit); more is a TokenizationError. */
  maxOverflowWindows?: number;
  /** Most tokens the overflowing windows of one encode may hold (default: no limit); more is a TokenizationError. */
  maxOverflowTokens?: number;
}

export interface PaddingParams {
  /** 'longest' pads a batch to its longest encoding; a number pads to that fixed length. */
  length: 'longest' | number;
  side: PaddingSide;
  padId: number;
  padTypeId: number;
  padToken: string;
  padToMultipleOf?: number | null;
}

export interface EncodeOptions {
  addSpecialTokens?: boolean;
  truncation?: TruncationParams | null;
  padding?: PaddingParams | null;
}

export interface TextInput {
  text: string;
  pair?: string | null;
}

export class Tokenizer {
  /** The model as the fast path feeds it (byte-level words when a trailing ByteLevel maps them). */
  private readonly words: WordModel;

  private constructor(
    readonly addedVocabulary: AddedVocabulary,
    private readonly normalizer: Normalizer,
    private readonly plan: PreTokenizerPlan,
    readonly model: TokenModel,
    private readonly postProcessor: PostProcessor | null,
    private readonly decoder: Decoder | null,
  ) {
    this.words = plan.byteLevelWords ? byteLevelWordModel(model) : model;
  }

  /** Builds a tokenizer from a parsed tokenizer.json; unsupported pipelines throw with a clear message. */
  static fromJson(json: any): Tokenizer {
    if (!json || typeof json !== 'object' || !json.model) throw new Error('tokenizer.json has no model');
    const added: AddedTokenConfig[] = json.added_tokens ?? [];
    const normalizer = normalizerFromJson(json.normalizer);
    const model = modelFromJson(json.model);
    return new Tokenizer(
      new AddedVocabulary(added, model, (content) => normalizeText(normalizer, content, 0).text),
      normalizer,
      planPreTokenizer(preTokenizerFromJson(json.pre_tokenizer)),
      model,
      postProcessorFromJson(json.post_processor),
      decoderFromJson(json.decoder),
    );
  }

  tokenToId(token: string): number | undefined {
    return this.addedVocabulary.tokenToId(token) ?? this.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    return this.addedVocabulary.idToToken(id) ?? this.model.idToToken(id);
  }

  /** Number of special tokens the post-processor adds, which truncation leaves room for. */
  numSpecialTokensToAdd(isPair: boolean): number {
    return this.postProcessor ? this.postProcessor.addedTokens(isPair) : 0;
  }

  encode(text: string, pair: string | null = null, options: EncodeOptions = {}): Encoding {
    const addSpecialTokens = options.addSpecialTokens ?? true;
    let first = this.encodeSequence(text, 0);
    // The pair starts with type id 1, as Rust's encode() gives it. The post-processor retypes the two main
    // encodings only, so the pair's overflowing windows keep 1 wherever the template does not retype them.
    let second = pair === null || pair === undefined ? null : this.encodeSequence(pair, 1);
    if (options.truncation) [first, second] = this.truncate(first, second, options.truncation, addSpecialTokens);
    const encoding = this.postProcess(first, second, addSpecialTokens);
    if (options.padding) padEncodings([encoding], options.padding);
    return encoding;
  }

  encodeBatch(inputs: TextInput[], options: EncodeOptions = {}): Encoding[] {
    const encodings = inputs.map((input) => this.encode(input.text, input.pair ?? null, { ...options, padding: null }));
    if (options.padding) padEncodings(encodings, options.padding);
    return encodings;
  }

  decode(ids: number[], skipSpecialTokens = false): string {
    const tokens: string[] = [];
    for (const id of ids) {
      const token = this.addedVocabulary.decodingForm(id) ?? this.model.idToToken(id);
      if (token === undefined) continue;
      if (skipSpecialTokens && this.addedVocabulary.isSpecial(token)) continue;
      tokens.push(token);
    }
    return this.decoder ? decodeTokens(this.decoder, tokens) : tokens.join(' ');
  }

  /** One sequence through added tokens, normalizer, pre-tokenizer and model; offsets in code points. */
  private encodeSequence(text: string, typeId: number): Encoding {
    const ids: number[] = [];
    const tokens: string[] = [];
    const words: number[] = [];
    const offsets: Offset[] = [];
    let word = 0;
    const push = (id: number, token: string, start: number, end: number) => {
      ids.push(id);
      tokens.push(token);
      words.push(word);
      offsets.push([start, end]);
    };
    for (const segment of this.addedVocabulary.splitRaw(text)) {
      if (segment.id !== null) {
        push(segment.id, text.slice(segment.start, segment.end), segment.start, segment.end);
        word++;
        continue;
      }
      const normalized = normalizeText(this.normalizer, text.slice(segment.start, segment.end), segment.start);
      const ntext = normalized.text;
      for (const piece of this.addedVocabulary.splitNormalized(ntext)) {
        if (piece.start === piece.end) continue;
        if (piece.id !== null) {
          push(
            piece.id,
            ntext.slice(piece.start, piece.end),
            startOf(normalized, piece.start),
            endOf(normalized, piece.end - 1),
          );
          word++;
          continue;
        }
        if (this.plan.spans) {
          const spans = this.wordSpans(ntext, piece.start, piece.end);
          for (let k = 0; k < spans.length; k += 2) {
            const from = spans[k];
            for (const p of this.words.tokenize(ntext.slice(from, spans[k + 1]))) {
              push(p.id, p.token, startOf(normalized, from + p.start), endOf(normalized, from + p.end - 1));
            }
            word++;
          }
          continue;
        }
        for (const split of this.preTokenize(sliceNormalized(normalized, piece.start, piece.end))) {
          for (const p of this.model.tokenize(split.text)) {
            push(p.id, p.token, startOf(split, p.start), endOf(split, p.end - 1));
          }
          word++;
        }
      }
    }
    const toCodePoints = utf16ToCodePointIndex(text);
    if (toCodePoints)
      for (const o of offsets) {
        o[0] = toCodePoints[o[0]];
        o[1] = toCodePoints[o[1]];
      }
    const n = ids.length;
    return new Encoding(
      ids,
      new Array(n).fill(typeId),
      tokens,
      words,
      offsets,
      new Array(n).fill(0),
      new Array(n).fill(1),
    );
  }

  /** Fast path: the word spans of text[from, to), each span stage splitting the previous stage's words. */
  private wordSpans(text: string, from: number, to: number): number[] {
    const stages = this.plan.spans!;
    if (!stages.length) return [from, to];
    let spans: number[] = [];
    stages[0].split(text, from, to, spans);
    for (let s = 1; s < stages.length; s++) {
      const next: number[] = [];
      for (let k = 0; k < spans.length; k += 2)
        if (spans[k + 1] > spans[k]) stages[s].split(text, spans[k], spans[k + 1], next);
      spans = next;
    }
    return spans;
  }

  /** General path: every stage over aligned splits, as Rust's PreTokenizedString. */
  private preTokenize(piece: NormalizedText): NormalizedText[] {
    let splits = [piece];
    for (const stage of this.plan.stages) {
      const next: NormalizedText[] = [];
      for (const split of splits) stage.preTokenize(split, next);
      splits = next;
    }
    return splits;
  }

  private truncate(
    first: Encoding,
    second: Encoding | null,
    params: TruncationParams,
    addSpecialTokens: boolean,
  ): [Encoding, Encoding | null] {
    const added = addSpecialTokens ? this.numSpecialTokensToAdd(second !== null) : 0;
    if (params.maxLength < added) {
      throw new TokenizationError(
        `max_length (${params.maxLength}) leaves no room for the ${added} special tokens this tokenizer adds`,
        'max_length',
      );
    }
    const windows: WindowLimits = {
      keep: params.overflow ?? true,
      maxWindows: params.maxOverflowWindows ?? Number.POSITIVE_INFINITY,
      maxTokens: params.maxOverflowTokens ?? Number.POSITIVE_INFINITY,
    };
    truncateEncodings(first, second, { ...params, maxLength: params.maxLength - added }, windows);
    if (second) checkCrossedWindows(first, second, added, windows);
    return [first, second];
  }

  private postProcess(first: Encoding, second: Encoding | null, addSpecialTokens: boolean): Encoding {
    if (this.postProcessor) return this.postProcessor.process(first, second, addSpecialTokens);
    // Rust's default_process: a single encoding as it is (no sequence ranges); a pair numbered, then merged.
    if (!second) return first;
    first.setSequenceId(0);
    second.setSequenceId(1);
    return Encoding.merge([first, second], false);
  }
}

function modelFromJson(json: any): TokenModel {
  const type = json.type ?? legacyModelType(json);
  switch (type) {
    case 'WordPiece':
      return new WordPiece(json as WordPieceConfig);
    case 'BPE':
      return new Bpe(json as BpeConfig);
    case 'Unigram':
      return new Unigram(json as UnigramConfig);
    case 'WordLevel':
      return new WordLevel(json as WordLevelConfig);
    default:
      throw new Error(`unsupported model '${type}': edgeclass supports WordPiece, BPE, Unigram and WordLevel`);
  }
}

/** tokenizer.json files without model.type: the reference tries BPE, WordPiece, WordLevel, Unigram in turn. */
function legacyModelType(json: any): string | undefined {
  if (Array.isArray(json.vocab)) return 'Unigram';
  if (json.merges) return 'BPE';
  if (json.vocab && typeof json.vocab === 'object') return 'WordPiece';
  return undefined;
}

/** Hugging Face's truncate_encodings: how many tokens each sequence keeps, then Encoding.truncate on each. */
function truncateEncodings(
  first: Encoding,
  second: Encoding | null,
  params: TruncationParams,
  windows: WindowLimits,
): void {
  const { maxLength, stride, side } = params;
  if (maxLength === 0) {
    first.truncate(0, stride, side, windows);
    second?.truncate(0, stride, side, windows);
    return;
  }
  const total = first.length + (second ? second.length : 0);
  if (total <= maxLength) return;
  const toRemove = total - maxLength;
  if (params.strategy === 'longest_first') {
    if (!second) {
      first.truncate(total - toRemove, stride, side, windows);
      return;
    }
    let n1 = first.length;
    let n2 = second.length;
    const swap = n1 > n2;
    if (swap) [n1, n2] = [n2, n1];
    n2 = n1 > maxLength ? n1 : Math.max(n1, maxLength - n1);
    if (n1 + n2 > maxLength) {
      n1 = Math.floor(maxLength / 2);
      n2 = n1 + (maxLength % 2);
    }
    if (swap) [n1, n2] = [n2, n1];
    first.truncate(n1, stride, side, windows);
    second.truncate(n2, stride, side, windows);
    return;
  }
  const target = params.strategy === 'only_first' ? first : second;
  if (!target) {
    throw new TokenizationError(
      'truncation only_second needs a text pair: this input has no second sequence',
      'truncation',
    );
  }
  if (target.length <= toRemove) {
    throw new TokenizationError(
      `the ${params.strategy === 'only_first' ? 'first' : 'second'} sequence is too short to respect max_length ` +
        `(it has ${target.length} tokens, ${toRemove} must go); use longest_first or raise max_length`,
      'truncation',
    );
  }
  target.truncate(target.length - toRemove, stride, side, windows);
}

/**
 * A pair's windows are crossed when merged (every window of the text with every window of the pair, Rust's
 * merge_with), so their count multiplies: bounded here, before any crossed window is built.
 */
function checkCrossedWindows(first: Encoding, second: Encoding, added: number, limits: WindowLimits): void {
  const windows = (first.overflowing.length + 1) * (second.overflowing.length + 1) - 1;
  if (windows === 0) return;
  const tokens = windows * (first.length + second.length + added);
  if (windows > limits.maxWindows || tokens > limits.maxTokens) {
    throw new TokenizationError(
      `the text's ${first.overflowing.length + 1} windows crossed with the pair's ${second.overflowing.length + 1} ` +
        `make ${windows} overflow windows of up to ${first.length + second.length + added} tokens, more than ` +
        `allowed (${limits.maxWindows} windows, ${limits.maxTokens} tokens); raise max_length or lower stride`,
      'max_length',
    );
  }
}

/** Hugging Face's pad_encodings: one target length for the whole batch, rounded up to a multiple if asked. */
export function padEncodings(encodings: Encoding[], params: PaddingParams): void {
  if (!encodings.length) return;
  let length = params.length === 'longest' ? Math.max(...encodings.map((e) => e.length)) : params.length;
  const multiple = params.padToMultipleOf;
  if (multiple && multiple > 0 && length % multiple > 0) length += multiple - (length % multiple);
  for (const e of encodings) e.pad(length, params.padId, params.padTypeId, params.padToken, params.side);
}
