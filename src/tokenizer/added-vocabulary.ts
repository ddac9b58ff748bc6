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

class TokenMatcher {
  private readonly pattern: RegExp | null;
  private readonly byContent = new Map<string, AddedTokenConfig>();

  constructor(tokens: AddedTokenConfig[]) {
    for (const t of tokens) if (t.content) this.byContent.set(t.content, t);
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

export class AddedVocabulary {
  private readonly raw: TokenMatcher;
  private readonly normalized: TokenMatcher;
  private readonly byId = new Map<number, AddedTokenConfig>();
  private readonly byContent = new Map<string, AddedTokenConfig>();
  readonly specialTokens = new Set<string>();

  constructor(tokens: AddedTokenConfig[]) {
    for (const t of tokens) {
      this.byId.set(t.id, t);
      this.byContent.set(t.content, t);
      if (t.special) this.specialTokens.add(t.content);
    }
    this.raw = new TokenMatcher(tokens.filter((t) => !t.normalized));
    this.normalized = new TokenMatcher(tokens.filter((t) => t.normalized));
  }

  /** First pass, on the raw text: tokens with normalized=false. */
  splitRaw(text: string): Segment[] {
    return this.raw.split(text, 0, text.length);
  }

  /** Second pass, on a normalized piece: tokens with normalized=true. */
  splitNormalized(text: string): Segment[] {
    return this.normalized.split(text, 0, text.length);
  }

  idToToken(id: number): string | undefined {
    return this.byId.get(id)?.content;
  }

  tokenToId(token: string): number | undefined {
    return this.byContent.get(token)?.id;
  }

  isSpecial(token: string): boolean {
    return this.specialTokens.has(token);
  }
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
