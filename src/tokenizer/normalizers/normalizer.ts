import type { NormalizedText } from '../normalized.ts';

export interface Normalizer {
  /** Normalizes aligned text; returns the input itself when nothing changes. */
  normalize(input: NormalizedText): NormalizedText;
}
