// Byte-pair encoding (GPT-2/RoBERTa): start from single characters, repeatedly merge the adjacent pair with the
// lowest merge rank, leftmost first on ties -- the order the Rust implementation's priority queue produces.
import { DictVocab, WordCache, type Piece, type TokenModel } from './model.ts';

export interface BpeConfig {
  vocab: Record<string, number>;
  merges: (string | [string, string])[];
  unk_token?: string | null;
  continuing_subword_prefix?: string | null;
  end_of_word_suffix?: string | null;
  dropout?: number | null;
  fuse_unk?: boolean;
  byte_fallback?: boolean;
  ignore_merges?: boolean;
}

export class Bpe implements TokenModel {
  private readonly vocab: DictVocab;
  private readonly reverse: string[];
  private readonly merges: MergeTable;
  /** Single-unit characters -> their id (-1: not a token); the byte-level alphabet lives here. */
  private readonly charIds = new Int32Array(0x10000).fill(-1);
  private readonly unkId: number | undefined;
  private readonly cache = new WordCache();
  private readonly prefix: string;
  private readonly suffix: string;
  private readonly fuseUnk: boolean;
  private readonly ignoreMerges: boolean;
  /**
   * Whether a word may be cut before each '▁' that follows another character: true when no token holds such a
   * pair, so no merge can ever cross that point and each piece merges alone exactly as inside the whole word.
   * SentencePiece-style BPE (Llama-2, Mistral) sees a whole sequence as one word; its pieces repeat and cache.
   */
  private readonly cutsAtMetaspace: boolean;
  /** byte -> id of its '<0xNN>' token, or -1; null without byte_fallback. */
  private readonly byteIds: Int32Array | null = null;

  /**
   * @param heapThreshold words with more symbols than this merge through a heap (O(n log n)); shorter ones by a
   * rescan, which is faster for them. Both apply the same merges in the same order.
   */
  constructor(
    config: BpeConfig,
    private readonly heapThreshold = 48,
  ) {
    if (config.dropout) throw new Error('model BPE: dropout is not supported (it makes tokenization random)');
    this.prefix = config.continuing_subword_prefix ?? '';
    this.suffix = config.end_of_word_suffix ?? '';
    this.fuseUnk = config.fuse_unk ?? false;
    this.ignoreMerges = config.ignore_merges ?? false;
    this.vocab = new DictVocab(config.vocab);
    this.reverse = this.vocab.reverse;
    if (config.unk_token != null) {
      this.unkId = this.vocab.get(config.unk_token);
      // The reference fails on the first unknown character instead; refusing at load is clearer.
      if (this.unkId === undefined)
        throw new Error(`model BPE: unk_token '${config.unk_token}' is not in the vocabulary`);
    }
    // Single characters map straight to ids unless a prefix or suffix changes the symbols' spelling.
    if (!this.prefix && !this.suffix)
      for (const [token, id] of this.vocab.entries()) if (token.length === 1) this.charIds[token.charCodeAt(0)] = id;
    if (config.byte_fallback) {
      this.byteIds = new Int32Array(256);
      for (let b = 0; b < 256; b++) this.byteIds[b] = this.vocab.get(byteToken(b)) ?? -1;
    }
    this.cutsAtMetaspace =
      !this.prefix &&
      !this.suffix &&
      !this.ignoreMerges &&
      !this.vocab.reverse.some((t) => t.indexOf('\u2581') > 0 && INNER_METASPACE.test(t));
    this.merges = new MergeTable(config.merges.length);
    config.merges.forEach((merge, rank) => {
      const [a, b] = typeof merge === 'string' ? splitMerge(merge) : merge;
      const left = this.vocab.get(a);
      const right = this.vocab.get(b);
      const merged = this.vocab.get(a + (b.startsWith(this.prefix) ? b.slice(this.prefix.length) : b));
      if (left === undefined || right === undefined || merged === undefined) {
        throw new Error(`BPE merge '${a} ${b}' uses tokens missing from the vocabulary`);
      }
      // A repeated merge keeps its last rank, as the reference's map does.
      this.merges.set(left, right, rank, merged);
    });
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.reverse[id];
  }

  tokenize(word: string): readonly Piece[] {
    if (!word.length) return [];
    if (this.ignoreMerges) {
      const id = this.vocab.get(word);
      if (id !== undefined) return [{ id, token: word, start: 0, end: word.length }];
    }
    if (this.cutsAtMetaspace && word.length > 24) {
      const cut = this.tokenizeByMetaspace(word);
      if (cut) return cut;
    }
    return this.tokenizeWhole(word);
  }

  private tokenizeWhole(word: string): readonly Piece[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const pieces = this.merge(word);
    this.cache.set(word, pieces);
    return pieces;
  }

  /** The word cut before every '▁' that follows another character, each piece tokenized (and cached) alone. */
  private tokenizeByMetaspace(word: string): Piece[] | null {
    let start = 0;
    let out: Piece[] | null = null;
    for (let i = 1; i <= word.length; i++) {
      if (i < word.length && !(word.charCodeAt(i) === METASPACE && word.charCodeAt(i - 1) !== METASPACE)) continue;
      if (i === word.length && start === 0) return null;
      out ??= [];
      for (const p of this.tokenizeWhole(word.slice(start, i)))
        out.push({ id: p.id, token: p.token, start: p.start + start, end: p.end + start });
      start = i;
    }
    return out;
  }

  /**
   * Merges a word. Long words: symbols form a linked list over the word; a min-heap holds candidate merges keyed (rank, position), and a
   * popped candidate is applied only if the pair it was made for is still there -- O(n log n), as in the Rust
   * implementation, so a 100,000-character word does not stall the service.
   */
  private merge(word: string): Piece[] {
    const [ids, starts, ends] = this.initialSymbols(word);
    if (ids.length > this.heapThreshold) this.mergeWithHeap(ids, starts, ends);
    else this.mergeByScan(ids, starts, ends);
    return ids.map((id, k) => ({ id, token: this.reverse[id], start: starts[k], end: ends[k] }));
  }

  /**
   * One symbol per character, as the reference's merge_word: the prefix before all but the first, the suffix after
   * the last; an unknown character becomes its '<0xNN>' byte tokens (byte_fallback) or unk, fused with adjacent
   * unks when fuse_unk, or is dropped when there is no unk token.
   */
  private initialSymbols(word: string): [number[], number[], number[]] {
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let unkStart = -1;
    let unkEnd = -1;
    const flushUnk = () => {
      if (unkStart < 0) return;
      ids.push(this.unkId!);
      starts.push(unkStart);
      ends.push(unkEnd);
      unkStart = -1;
    };
    for (let i = 0; i < word.length; ) {
      const unit = word.charCodeAt(i);
      const width = unit >= 0xd800 && unit <= 0xdbff && i + 1 < word.length ? 2 : 1;
      const end = i + width;
      let id = width === 1 ? this.charIds[unit] : -1;
      let symbol = '';
      if (id < 0) {
        symbol = word.slice(i, end);
        if (i > 0) symbol = this.prefix + symbol;
        if (end === word.length) symbol += this.suffix;
        id = this.vocab.get(symbol) ?? -1;
      }
      if (id >= 0) {
        flushUnk();
        ids.push(id);
        starts.push(i);
        ends.push(end);
      } else if (!this.pushBytes(symbol, i, end, ids, starts, ends) && this.unkId !== undefined) {
        if (unkStart >= 0 && this.fuseUnk) unkEnd = end;
        else {
          flushUnk();
          unkStart = i;
          unkEnd = end;
        }
      }
      i = end;
    }
    flushUnk();
    return [ids, starts, ends];
  }

  /** byte_fallback: the symbol's UTF-8 bytes as '<0xNN>' tokens spanning its character, if all exist. */
  private pushBytes(symbol: string, start: number, end: number, ids: number[], starts: number[], ends: number[]) {
    if (!this.byteIds) return false;
    const bytes = utf8.encode(symbol);
    for (const b of bytes) if (this.byteIds[b] < 0) return false;
    for (const b of bytes) {
      ids.push(this.byteIds[b]);
      starts.push(start);
      ends.push(end);
    }
    return true;
  }

  /** Short words: rescan for the best pair after each merge; cheaper than a heap below a few dozen symbols. */
  private mergeByScan(ids: number[], starts: number[], ends: number[]): void {
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      let bestMerged = -1;
      for (let k = 0; k + 1 < ids.length; k++) {
        const slot = this.merges.find(ids[k], ids[k + 1]);
        if (slot >= 0 && this.merges.rank[slot] < bestRank) {
          bestRank = this.merges.rank[slot];
          bestMerged = this.merges.merged[slot];
          best = k;
        }
      }
      if (best < 0) return;
      ids[best] = bestMerged;
      ends[best] = ends[best + 1];
      ids.splice(best + 1, 1);
      starts.splice(best + 1, 1);
      ends.splice(best + 1, 1);
    }
  }

  /** Long words: the symbols in place are compacted at the end. */
  private mergeWithHeap(ids: number[], starts: number[], ends: number[]): void {
    const n = ids.length;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      next[k] = k + 1 < n ? k + 1 : -1;
      prev[k] = k - 1;
    }
    const alive = new Uint8Array(n).fill(1);
    const heap = new MergeHeap();
    const merges = this.merges;
    const consider = (left: number) => {
      const right = next[left];
      if (right < 0) return;
      const slot = merges.find(ids[left], ids[right]);
      if (slot >= 0) heap.push(merges.rank[slot], left, merges.merged[slot]);
    };
    for (let k = 0; k + 1 < n; k++) consider(k);
    while (heap.size) {
      heap.pop();
      const left = heap.topPosition;
      const mergedId = heap.topMerged;
      const right = next[left];
      if (!alive[left] || right < 0) continue;
      const slot = merges.find(ids[left], ids[right]);
      if (slot < 0 || merges.merged[slot] !== mergedId) continue; // stale candidate
      ids[left] = mergedId;
      ends[left] = ends[right];
      alive[right] = 0;
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      if (prev[left] >= 0) consider(prev[left]);
      consider(left);
    }
    let out = 0;
    for (let k = 0; k >= 0 && k < n; k = next[k], out++) {
      ids[out] = ids[k];
      starts[out] = starts[k];
      ends[out] = ends[k];
    }
    ids.length = starts.length = ends.length = out;
  }
}

/**
 * A binary min-heap of merge candidates ordered by (rank, position), packed as one number rank * 2^32 + position
 * in a typed array (ranks stay far below 2^21), with the merged id alongside: no objects per candidate.
 */
class MergeHeap {
  private keys = new Float64Array(64);
  private merged = new Int32Array(64);
  size = 0;
  /** Set by pop(). */
  topPosition = 0;
  topMerged = 0;

  push(rank: number, position: number, mergedId: number): void {
    if (this.size === this.keys.length) this.grow();
    const key = rank * 4294967296 + position;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent] <= key) break;
      this.keys[i] = this.keys[parent];
      this.merged[i] = this.merged[parent];
      i = parent;
    }
    this.keys[i] = key;
    this.merged[i] = mergedId;
  }

  /** Removes the smallest candidate into topPosition / topMerged. */
  pop(): void {
    const keys = this.keys;
    const merged = this.merged;
    this.topPosition = keys[0] % 4294967296;
    this.topMerged = merged[0];
    const n = --this.size;
    const key = keys[n];
    const value = merged[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1] < keys[child]) child++;
      if (keys[child] >= key) break;
      keys[i] = keys[child];
      merged[i] = merged[child];
      i = child;
    }
    keys[i] = key;
    merged[i] = value;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    const merged = new Int32Array(this.merged.length * 2);
    merged.set(this.merged);
    this.keys = keys;
    this.merged = merged;
  }
}

/** Merge rules by (left id, right id): an open-addressing hash table over typed arrays, no boxed keys. */
class MergeTable {
  private readonly mask: number;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  readonly rank: Int32Array;
  readonly merged: Int32Array;

  constructor(count: number) {
    let capacity = 1024;
    while (capacity < count * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.left = new Int32Array(capacity).fill(-1);
    this.right = new Int32Array(capacity);
    this.rank = new Int32Array(capacity);
    this.merged = new Int32Array(capacity);
  }

  private slotOf(left: number, right: number): number {
    let slot = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right, 0x85ebca6b)) & this.mask;
    while (this.left[slot] !== -1 && (this.left[slot] !== left || this.right[slot] !== right))
      slot = (slot + 1) & this.mask;
    return slot;
  }

  set(left: number, right: number, rank: number, merged: number): void {
    const slot = this.slotOf(left, right);
    this.left[slot] = left;
    this.right[slot] = right;
    this.rank[slot] = rank;
    this.merged[slot] = merged;
  }

  /** The slot of the rule for this pair, or -1. */
  find(left: number, right: number): number {
    const slot = this.slotOf(left, right);
    return this.left[slot] === -1 ? -1 : slot;
  }
}

const utf8 = new TextEncoder();
const METASPACE = 0x2581;
const INNER_METASPACE = /[^\u2581]\u2581/;

/** Rust's format!("<{b:#04X}>"): '<0x0A>'. */
function byteToken(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

function splitMerge(merge: string): [string, string] {
  const space = merge.indexOf(' ', 1);
  if (space < 0) throw new Error(`malformed BPE merge '${merge}'`);
  return [merge.slice(0, space), merge.slice(space + 1)];
}
