// SentencePiece's precompiled charsmap (T5, ALBERT, XLM-R, DeBERTa-v3): a darts-clone double-array trie over UTF-8
// keys whose values index NUL-terminated replacements, read from the base64 blob of tokenizer.json. Applied per
// grapheme as Rust's Precompiled does: a grapheme shorter than 6 bytes with any prefix in the trie is replaced
// whole by the shortest such prefix's replacement; otherwise character by character.
import { codePoints, transform, type NormalizedText } from '../normalized.ts';
import type { Normalizer } from './normalizer.ts';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The double-array trie of darts-clone, as SentencePiece serializes it. */
class DoubleArray {
  constructor(private readonly units: Uint32Array) {}

  /** Values of the keys that are prefixes of `key`, shortest first. */
  commonPrefixSearch(key: Uint8Array): number[] {
    const units = this.units;
    const results: number[] = [];
    let unit = units[0];
    let node = offsetOf(unit);
    for (let i = 0; i < key.length; i++) {
      const c = key[i];
      if (c === 0) break;
      node ^= c;
      unit = units[node];
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== c) return results;
      node ^= offsetOf(unit);
      if ((unit >>> 8) & 1) results.push(units[node] & 0x7fffffff);
    }
    return results;
  }
}

function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}

export class PrecompiledNormalizer implements Normalizer {
  private readonly trie: DoubleArray;
  private readonly replacements: Uint8Array;
  private readonly decoded = new Map<number, number[]>();
  /** ASCII characters the charsmap changes: text without any of them (and all ASCII) is left as it is. */
  private readonly asciiChanged = new Uint8Array(128);
  private readonly graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

  constructor(base64: string) {
    const blob = base64ToBytes(base64);
    if (blob.length < 4) throw new Error('normalizer Precompiled: precompiled_charsmap is too short');
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize % 4 !== 0 || 4 + trieSize > blob.length)
      throw new Error('normalizer Precompiled: precompiled_charsmap has an invalid trie size');
    const units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < units.length; i++) units[i] = view.getUint32(4 + 4 * i, true);
    this.trie = new DoubleArray(units);
    this.replacements = blob.subarray(4 + trieSize);
    for (let c = 0; c < 128; c++) this.asciiChanged[c] = this.lookup(String.fromCharCode(c)) === null ? 0 : 1;
  }

  normalize(n: NormalizedText): NormalizedText {
    if (this.unchangedAscii(n.text)) return n;
    const chars: number[] = [];
    const changes: number[] = [];
    let modified = false;
    for (const { segment } of this.graphemes.segment(n.text)) {
      if (utf8ByteLength(segment) < 6) {
        const whole = this.lookup(segment);
        if (whole !== null) {
          modified = true;
          replace(chars, changes, codePoints(segment).length, whole);
          continue;
        }
      }
      for (const cp of codePoints(segment)) {
        const part = this.lookup(String.fromCodePoint(cp));
        if (part !== null) {
          modified = true;
          replace(chars, changes, 1, part);
        } else {
          chars.push(cp);
          changes.push(0);
        }
      }
    }
    return modified ? transform(n, chars, changes) : n;
  }

  /** The replacement of the shortest prefix of `s` in the trie, as code points; null when none is. */
  private lookup(s: string): number[] | null {
    const found = this.trie.commonPrefixSearch(utf8.encode(s));
    if (!found.length) return null;
    const index = found[0];
    let cached = this.decoded.get(index);
    if (!cached) {
      let end = index;
      while (end < this.replacements.length && this.replacements[end] !== 0) end++;
      cached = codePoints(utf8Decoder.decode(this.replacements.subarray(index, end)));
      this.decoded.set(index, cached);
    }
    return cached;
  }

  private unchangedAscii(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80 || this.asciiChanged[c]) return false;
    }
    return true;
  }
}

/**
 * Rust's Precompiled `replace`: the new characters replace the old ones one for one; extra new characters are
 * insertions, and fewer new characters put the difference on the last change pushed so far -- possibly a previous
 * grapheme's, which is how the reference aligns it.
 */
function replace(chars: number[], changes: number[], oldCount: number, replacement: readonly number[]): void {
  const diff = replacement.length - oldCount;
  for (const c of replacement) {
    chars.push(c);
    changes.push(0);
  }
  if (diff > 0) for (let k = 0; k < diff; k++) changes[changes.length - 1 - k] = 1;
  else if (diff < 0 && changes.length) changes[changes.length - 1] += diff;
}

function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function base64ToBytes(b64: string): Uint8Array {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
