// Decoders turn tokens back into text, exactly as the Rust decoders do (which is not what Python transformers'
// decode() returns: it also cleans up the joined string).
import { CHAR_TO_BYTE } from './byte-level-alphabet.ts';
import { findMatches } from './onig-regex.ts';
import { patternRegex } from './patterns.ts';

/** Rust's decode_chain: tokens in, tokens out; decode joins the last chain's output. */
export interface Decoder {
  decodeChain(tokens: string[]): string[];
}

export function decodeTokens(decoder: Decoder, tokens: string[]): string {
  return decoder.decodeChain(tokens).join('');
}

/** WordPiece: '##' pieces glue to the previous token, others get a space; clean-up runs per token. */
export class WordPieceDecoder implements Decoder {
  constructor(
    private readonly prefix: string,
    private readonly cleanup: boolean,
  ) {}

  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => {
      let t = token;
      if (i !== 0) t = t.startsWith(this.prefix) ? t.replace(this.prefix, '') : ` ${t}`;
      return this.cleanup ? cleanupTokenization(t) : t;
    });
  }
}

/** The clean-up of the reference (tokenizers' decoders::wordpiece::cleanup), in its order. */
export function cleanupTokenization(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** ByteLevel: characters back to bytes, then UTF-8 with U+FFFD for invalid sequences. */
export class ByteLevelDecoder implements Decoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  decodeChain(tokens: string[]): string[] {
    const bytes: number[] = [];
    for (const token of tokens) {
      const mapped: number[] = [];
      let allMapped = true;
      for (const ch of token) {
        const b = CHAR_TO_BYTE.get(ch);
        if (b === undefined) {
          allMapped = false;
          break;
        }
        mapped.push(b);
      }
      // A token outside the alphabet (an added token such as " <mask>") is taken as its own UTF-8 text.
      if (allMapped) bytes.push(...mapped);
      else bytes.push(...new TextEncoder().encode(token));
    }
    return [this.utf8.decode(Uint8Array.from(bytes))];
  }
}

/** Metaspace: the replacement character back to a space, dropped in the first token when one was prepended. */
export class MetaspaceDecoder implements Decoder {
  constructor(
    private readonly replacement: string,
    private readonly prepends: boolean,
  ) {}

  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => {
      let out = '';
      for (const c of token) out += c === this.replacement ? (i === 0 && this.prepends ? '' : ' ') : c;
      return out;
    });
  }
}

const BYTE_TOKEN = /^<0x\+?([0-9A-Fa-f]{1,2})>$/;

/** ByteFallback: runs of '<0xNN>' tokens back to text; invalid UTF-8 gives one U+FFFD per byte. */
export class ByteFallbackDecoder implements Decoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  decodeChain(tokens: string[]): string[] {
    const out: string[] = [];
    const bytes: number[] = [];
    const flush = () => {
      if (!bytes.length) return;
      try {
        out.push(this.utf8.decode(Uint8Array.from(bytes)));
      } catch {
        for (let k = 0; k < bytes.length; k++) out.push('\uFFFD');
      }
      bytes.length = 0;
    };
    for (const token of tokens) {
      const m = token.length === 6 ? BYTE_TOKEN.exec(token) : null;
      if (m) bytes.push(Number.parseInt(m[1], 16));
      else {
        flush();
        out.push(token);
      }
    }
    flush();
    return out;
  }
}

export class FuseDecoder implements Decoder {
  decodeChain(tokens: string[]): string[] {
    return [tokens.join('')];
  }
}

/** Strip: up to `start` leading and `stop` trailing `content` characters off each token. */
export class StripDecoder implements Decoder {
  constructor(
    private readonly content: string,
    private readonly start: number,
    private readonly stop: number,
  ) {}

  decodeChain(tokens: string[]): string[] {
    return tokens.map((token) => {
      const chars = [...token];
      let from = 0;
      while (from < this.start && from < chars.length && chars[from] === this.content) from++;
      let to = chars.length;
      for (let k = 0; k < this.stop && to > 0 && chars[to - 1] === this.content; k++) to--;
      return chars.slice(from, Math.max(from, to)).join('');
    });
  }
}

/** Replace: every match of the pattern in each token becomes `content`. */
export class ReplaceDecoder implements Decoder {
  private readonly pieces: number[] = [];
  constructor(
    private readonly regex: RegExp,
    private readonly content: string,
  ) {}

  decodeChain(tokens: string[]): string[] {
    return tokens.map((token) => {
      const pieces = this.pieces;
      pieces.length = 0;
      findMatches(this.regex, token, pieces);
      let out = '';
      for (let k = 0; k < pieces.length; k += 3)
        out += pieces[k + 2] ? this.content : token.slice(pieces[k], pieces[k + 1]);
      return out;
    });
  }
}

/** BPEDecoder: the end-of-word suffix becomes a space, except in the last token. */
export class BpeDecoder implements Decoder {
  constructor(private readonly suffix: string) {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((t, i) => t.replaceAll(this.suffix, i === tokens.length - 1 ? '' : ' '));
  }
}

/** CTC: repeated tokens collapsed, pad removed, word delimiter to space (with WordPiece's clean-up). */
export class CtcDecoder implements Decoder {
  constructor(
    private readonly pad: string,
    private readonly delimiter: string,
    private readonly cleanup: boolean,
  ) {}

  decodeChain(tokens: string[]): string[] {
    const out: string[] = [];
    tokens.forEach((token, i) => {
      if (i > 0 && tokens[i - 1] === token) return;
      let t = token.replaceAll(this.pad, '');
      if (this.cleanup) t = cleanupTokenization(t).replaceAll(this.delimiter, ' ');
      if (t) out.push(t);
    });
    return out;
  }
}

export class SequenceDecoder implements Decoder {
  constructor(private readonly decoders: Decoder[]) {}
  decodeChain(tokens: string[]): string[] {
    let out = tokens;
    for (const d of this.decoders) out = d.decodeChain(out);
    return out;
  }
}

const SUPPORTED = 'WordPiece, ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder, CTC, Sequence';

export function decoderFromJson(json: unknown): Decoder | null {
  if (json === null || json === undefined) return null;
  const c = json as Record<string, any>;
  switch (c.type) {
    case 'WordPiece':
      return new WordPieceDecoder(c.prefix ?? '##', c.cleanup ?? true);
    case 'ByteLevel':
      return new ByteLevelDecoder();
    case 'Metaspace': {
      const prepends = c.add_prefix_space === false ? false : (c.prepend_scheme ?? 'always') !== 'never';
      return new MetaspaceDecoder(c.replacement ?? '\u2581', prepends);
    }
    case 'ByteFallback':
      return new ByteFallbackDecoder();
    case 'Fuse':
      return new FuseDecoder();
    case 'Strip':
      if ([...String(c.content)].length !== 1) throw new Error("decoder 'Strip': content must be one character");
      return new StripDecoder(c.content, c.start ?? 0, c.stop ?? 0);
    case 'Replace':
      return new ReplaceDecoder(patternRegex(c.pattern, "decoder 'Replace'"), String(c.content ?? ''));
    case 'BPEDecoder':
      return new BpeDecoder(c.suffix ?? '</w>');
    case 'CTC':
      return new CtcDecoder(c.pad_token ?? '<pad>', c.word_delimiter_token ?? '|', c.cleanup ?? true);
    case 'Sequence':
      if (!Array.isArray(c.decoders)) throw new Error("decoder 'Sequence' has no 'decoders' list");
      return new SequenceDecoder(c.decoders.map((d: unknown) => decoderFromJson(d) ?? new FuseDecoder()));
    default:
      throw new Error(`unsupported decoder '${c.type}': edgeclass supports ${SUPPORTED}`);
  }
}
