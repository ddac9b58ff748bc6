// Normalizers named in tokenizer.json, built as Rust's tokenizers deserializes them (including the legacy shape
// without "type"). A type or setting edgeclass does not implement is refused by name, never approximated.
import { identityAligned, type NormalizedText } from './normalized.ts';
import { BertNormalizer, type BertNormalizerConfig } from './normalizers/bert.ts';
import type { Normalizer } from './normalizers/normalizer.ts';
import { PrecompiledNormalizer } from './normalizers/precompiled.ts';
import {
  ByteLevelNormalizer,
  Lowercase,
  Prepend,
  Replace,
  SequenceNormalizer,
  Strip,
  StripAccents,
} from './normalizers/simple.ts';
import { UnicodeNormalizer } from './normalizers/unicode-forms.ts';
import { patternRegex } from './patterns.ts';

export type { Normalizer } from './normalizers/normalizer.ts';
export { BertNormalizer } from './normalizers/bert.ts';

export class NoNormalizer implements Normalizer {
  normalize(n: NormalizedText): NormalizedText {
    return n;
  }
}

/** Normalizes a slice of the sequence that starts at UTF-16 offset `base`. */
export function normalizeText(normalizer: Normalizer, input: string, base: number): NormalizedText {
  return normalizer.normalize(identityAligned(input, base));
}

const SUPPORTED =
  'BertNormalizer, Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, Precompiled, ByteLevel';

export function normalizerFromJson(json: unknown): Normalizer {
  if (json === null || json === undefined) return new NoNormalizer();
  const c = json as Record<string, any>;
  switch (c.type ?? legacyType(c)) {
    case 'BertNormalizer':
      return new BertNormalizer(c as BertNormalizerConfig);
    case 'Sequence':
      if (!Array.isArray(c.normalizers)) throw new Error("normalizer 'Sequence' has no 'normalizers' list");
      return new SequenceNormalizer(c.normalizers.map(normalizerFromJson));
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return new UnicodeNormalizer(c.type);
    case 'Lowercase':
      return new Lowercase();
    case 'Strip':
      return new Strip(c.strip_left ?? true, c.strip_right ?? true);
    case 'StripAccents':
      return new StripAccents();
    case 'Replace':
      return new Replace(
        patternRegex(c.pattern, "normalizer 'Replace'"),
        requireString(c.content, 'Replace', 'content'),
      );
    case 'Prepend':
      return new Prepend(requireString(c.prepend, 'Prepend', 'prepend'));
    case 'Precompiled':
      if (c.precompiled_charsmap === null || c.precompiled_charsmap === '') return new NoNormalizer();
      return new PrecompiledNormalizer(requireString(c.precompiled_charsmap, 'Precompiled', 'precompiled_charsmap'));
    case 'ByteLevel':
      return new ByteLevelNormalizer();
    default:
      throw new Error(`unsupported normalizer '${c.type}': edgeclass supports ${SUPPORTED}`);
  }
}

/** tokenizer.json files from before "type" was written: the fields tell the kind. */
function legacyType(c: Record<string, unknown>): string | undefined {
  if ('clean_text' in c) return 'BertNormalizer';
  if ('normalizers' in c) return 'Sequence';
  if ('precompiled_charsmap' in c) return 'Precompiled';
  if ('strip_left' in c) return 'Strip';
  if ('prepend' in c) return 'Prepend';
  if ('pattern' in c && 'content' in c) return 'Replace';
  return undefined;
}

export function requireString(value: unknown, component: string, field: string): string {
  if (typeof value !== 'string') throw new Error(`${component}: '${field}' must be a string`);
  return value;
}
