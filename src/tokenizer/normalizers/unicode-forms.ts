// NFC, NFD, NFKC and NFKD with the alignment of Rust's unicode-normalization-alignments: decomposition marks every
// character after the first of a decomposition as inserted; canonical reordering moves characters together with
// those marks; composition gives the composed character the starter's place and removes what it absorbed.
// JavaScript's String.prototype.normalize does the Unicode work; only the bookkeeping is ours.
import { codePoints, transform, type NormalizedText } from '../normalized.ts';
import type { Normalizer } from './normalizer.ts';

export type UnicodeForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

export class UnicodeNormalizer implements Normalizer {
  private readonly decomposition: 'NFD' | 'NFKD';
  private readonly composes: boolean;

  constructor(private readonly form: UnicodeForm) {
    this.decomposition = form === 'NFC' || form === 'NFD' ? 'NFD' : 'NFKD';
    this.composes = form === 'NFC' || form === 'NFKC';
  }

  normalize(n: NormalizedText): NormalizedText {
    const text = n.text;
    if (isAscii(text) || text.normalize(this.form) === text) return n;
    let [chars, changes] = this.decompose(text);
    if (this.composes) [chars, changes] = compose(chars, changes, text.normalize(this.form));
    return transform(n, chars, changes);
  }

  /** Each character's decomposition (first 0, the rest inserted), then canonical order, marks moving along. */
  private decompose(text: string): [number[], number[]] {
    const chars: number[] = [];
    const changes: number[] = [];
    for (const cp of codePoints(text)) {
      const d = cp < 0x80 ? [cp] : codePoints(String.fromCodePoint(cp).normalize(this.decomposition));
      d.forEach((c, k) => {
        chars.push(c);
        changes.push(k === 0 ? 0 : 1);
      });
    }
    const ordered = codePoints(text.normalize(this.decomposition));
    return reorderLike(chars, changes, ordered);
  }
}

/**
 * `chars` and `ordered` hold the same characters up to canonical reordering inside runs of marks; where they
 * differ, each character of `ordered` takes the change of the first unused equal character of `chars` (the sort is
 * stable, so equal characters keep their order).
 */
function reorderLike(chars: number[], changes: number[], ordered: number[]): [number[], number[]] {
  if (ordered.length !== chars.length) throw new Error('unicode normalization: decomposition length mismatch');
  const outChanges = changes.slice();
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === ordered[i]) continue;
    // The window [i, j) where the two differ as sequences but hold the same characters.
    const balance = new Map<number, number>();
    let pending = 0;
    let j = i;
    do {
      for (const [c, d] of [
        [chars[j], 1],
        [ordered[j], -1],
      ]) {
        const before = balance.get(c) ?? 0;
        const after = before + d;
        balance.set(c, after);
        if (before === 0) pending++;
        if (after === 0) pending--;
      }
      j++;
    } while (pending > 0 && j < chars.length);
    const used = new Uint8Array(j - i);
    for (let k = i; k < j; k++) {
      let m = i;
      while (used[m - i] || chars[m] !== ordered[k]) m++;
      used[m - i] = 1;
      outChanges[k] = changes[m];
    }
    i = j - 1;
  }
  return [ordered, outChanges];
}

/**
 * Composition: walks the composed text; each composed character consumes its starter and the marks it absorbed
 * (found after the starter, not necessarily adjacent) and takes change(starter) + sum(change(mark) - 1).
 */
function compose(chars: number[], changes: number[], composedText: string): [number[], number[]] {
  const out: number[] = [];
  const outChanges: number[] = [];
  const used = new Uint8Array(chars.length);
  let p = 0;
  for (const z of codePoints(composedText)) {
    while (used[p]) p++;
    used[p] = 1;
    let change = changes[p];
    if (z !== chars[p]) {
      const parts = codePoints(String.fromCodePoint(z).normalize('NFD'));
      let q = p + 1;
      for (let k = 1; k < parts.length; k++) {
        while (q < chars.length && (used[q] || chars[q] !== parts[k])) q++;
        if (q === chars.length) throw new Error('unicode normalization: composition does not match');
        used[q] = 1;
        change += changes[q] - 1;
      }
    }
    out.push(z);
    outChanges.push(change);
    p++;
  }
  return [out, outChanges];
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}
