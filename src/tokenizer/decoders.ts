// Decoders turn tokens back into text, exactly as the Rust decoders do (which is not what Python transformers'
// decode() returns: it also cleans up the joined string).
import { CHAR_TO_BYTE } from './byte-level-alphabet.ts';

export interface Decoder {
  decode(tokens: string[]): string;
}

/** WordPiece: '##' pieces glue to the previous token, others get a space; clean-up runs per token. */
export class WordPieceDecoder implements Decoder {
  constructor(
    private readonly prefix: string,
    private readonly cleanup: boolean,
  ) {}

  decode(tokens: string[]): string {
    let out = '';
    tokens.forEach((token, i) => {
      let t = token;
      if (i !== 0) t = t.startsWith(this.prefix) ? t.replace(this.prefix, '') : ' ' + t;
      out += this.cleanup ? cleanupTokenization(t) : t;
    });
    return out;
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

  decode(tokens: string[]): string {
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
    return this.utf8.decode(Uint8Array.from(bytes));
  }
}

export function decoderFromJson(json: unknown): Decoder | null {
  if (json === null || json === undefined) return null;
  const c = json as { type?: string; prefix?: string; cleanup?: boolean };
  if (c.type === 'WordPiece') return new WordPieceDecoder(c.prefix ?? '##', c.cleanup ?? true);
  if (c.type === 'ByteLevel') return new ByteLevelDecoder();
  throw new Error(`unsupported decoder '${c.type}': edgeclass supports WordPiece and ByteLevel`);
}
