// Added tokens ([CLS], <mask>, ...) are found in the text before the model sees it, as Hugging Face does: tokens
// with normalized=false are matched in the raw text, the others in the normalized text; leftmost-longest match;
// lstrip/rstrip swallow neighbouring whitespace into the token; single_word requires word boundaries.
import { isWhitespace } from './unicode.ts';

export interface AddedTokenConfig {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

/** A piece of text: either an added token (id set) or text for the normal pipeline. */
export interface Segment {
  start: number;
  end: number;
  id: number | null;
}

/** An added token and the text it is matched as (its content, normalized for normalized=true tokens). */
interface MatchEntry {
  pattern: string;
  token: AddedTokenConfig;
}

class TokenMatcher {
  private readonly pattern: RegExp | null;
  private readonly byContent = new Map<string, AddedTokenConfig>();

  constructor(entries: MatchEntry[]) {
    for (const e of entries) if (e.pattern) this.byContent.set(e.pattern, e.token);
    // Longest first: JS alternation takes the first alternative that matches at the leftmost position.
    const contents = [...this.byContent.keys()].sort((a, b) => b.length - a.length);
    this.pattern = contents.length ? new RegExp(contents.map(escapeRegExp).join('|'), 'g') : null;
  }

  split(text: string, from: number, to: number): Segment[] {
    if (from === to) return [{ start: from, end: to, id: null }];
    if (!this.pattern) return [{ start: from, end: to, id: null }];
    const segments: Segment[] = [];
    const slice = text.slice(from, to);
    let cursor = 0;
    this.pattern.lastIndex = 0;
    for (let m = this.pattern.exec(slice); m; m = this.pattern.exec(slice)) {
      const token = this.byContent.get(m[0])!;
      let start = m.index;
      let stop = start + m[0].length;
      if (token.single_word) {
        const startOk = start === 0 || !isWordChar(slice, start - 1, -1);
        const stopOk = stop === slice.length || !isWordChar(slice, stop, 1);
        if (!startOk || !stopOk) continue;
      }
      if (token.lstrip) {
        let s = start;
        while (s > 0 && isWhitespace(codePointBefore(slice, s))) s -= codePointBefore(slice, s) > 0xffff ? 2 : 1;
        start = Math.max(s, cursor);
      }
      if (token.rstrip) {
        while (stop < slice.length && isWhitespace(slice.codePointAt(stop)!))
          stop += slice.codePointAt(stop)! > 0xffff ? 2 : 1;
        this.pattern.lastIndex = Math.max(this.pattern.lastIndex, stop);
      }
      if (cursor < start) segments.push({ start: from + cursor, end: from + start, id: null });
      segments.push({ start: from + start, end: from + stop, id: token.id });
      cursor = stop;
    }
    if (cursor !== slice.length) segments.push({ start: from + cursor, end: to, id: null });
    return segments;
  }
}

/** What added tokens need of the model: ids of contents it already has, and where new ids start. */
export interface VocabularyModel {
  tokenToId(token: string): number | undefined;
  readonly vocabSize: number;
}

export class AddedVocabulary {
  private readonly raw: TokenMatcher;
  private readonly normalized: TokenMatcher;
  private readonly byId = new Map<number, AddedTokenConfig>();
  private readonly byContent = new Map<string, number>();
  readonly specialTokens = new Set<string>();
  /** id -> normalized content, where normalizing changes it: what decoding starts from, as in the reference. */
  private readonly normalizedForms = new Map<number, string>();

  /**
   * Rust's add_tokens, in order: a token takes the id its content already has (an earlier added token, or the
   * model's vocabulary), else the next id after the vocabulary -- the ids written in tokenizer.json only agree with
   * that. Tokens with normalized=true are matched as their normalized content.
   */
  constructor(tokens: AddedTokenConfig[], model?: VocabularyModel, normalize?: (content: string) => string) {
    let nextId = model ? model.vocabSize : 0;
    for (const t of tokens) {
      if (!t.content) continue;
      const known = this.byContent.get(t.content);
      if (known !== undefined && sameToken(this.byId.get(known), t)) continue;
      const id = known ?? model?.tokenToId(t.content) ?? (model ? nextId++ : t.id);
      this.byContent.set(t.content, id);
      this.byId.set(id, { ...t, id });
      if (t.special) this.specialTokens.add(t.content);
    }
    const entries = [...this.byId.values()].map((token) => ({
      token,
      pattern: token.normalized && normalize ? normalize(token.content) : token.content,
    }));
    for (const e of entries) if (e.pattern !== e.token.content) this.normalizedForms.set(e.token.id, e.pattern);
    this.raw = new TokenMatcher(entries.filter((e) => !e.token.normalized));
    this.normalized = new TokenMatcher(entries.filter((e) => e.token.normalized));
  }

  /** First pass, on the raw text: tokens with normalized=false. */
  splitRaw(text: string): Segment[] {
    return this.raw.split(text, 0, text.length);
  }

  /** Second pass, on a normalized piece: tokens with normalized=true. */
  splitNormalized(text: string): Segment[] {
    return this.normalized.split(text, 0, text.length);
  }

  /** Rust's simple_id_to_token: the form decoding starts from (the normalized content, if it differs). */
  decodingForm(id: number): string | undefined {
    return this.normalizedForms.get(id) ?? this.byId.get(id)?.content;
  }

  idToToken(id: number): string | undefined {
    return this.byId.get(id)?.content;
  }

  tokenToId(token: string): number | undefined {
    return this.byContent.get(token);
  }

  isSpecial(token: string): boolean {
    return this.specialTokens.has(token);
  }
}

function sameToken(a: AddedTokenConfig | undefined, b: AddedTokenConfig): boolean {
  return (
    a !== undefined &&
    a.content === b.content &&
    !!a.single_word === !!b.single_word &&
    !!a.lstrip === !!b.lstrip &&
    !!a.rstrip === !!b.rstrip &&
    !!a.normalized === !!b.normalized &&
    !!a.special === !!b.special
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function codePointBefore(s: string, i: number): number {
  const low = s.charCodeAt(i - 1);
  if ((low & 0xfc00) === 0xdc00 && i >= 2) {
    const high = s.charCodeAt(i - 2);
    if ((high & 0xfc00) === 0xd800) return (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return low;
}

/** Rust regex \w (Unicode): letters, marks, numbers, connector punctuation. */
function isWordChar(s: string, i: number, direction: 1 | -1): boolean {
  const cp = direction > 0 ? s.codePointAt(i)! : codePointBefore(s, i + 1);
  return /[\p{L}\p{M}\p{N}\p{Pc}]/u.test(String.fromCodePoint(cp));
}
