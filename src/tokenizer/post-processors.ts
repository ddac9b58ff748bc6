// Post-processors add the model's special tokens around one sequence or a pair: [CLS] A [SEP] B [SEP] for BERT,
// <s> A </s></s> B </s> for RoBERTa. They run after truncation, on the main encoding and its overflowing windows.
import { Encoding, type Offset } from './encoding.ts';
import { isWhitespace } from './unicode.ts';

export interface PostProcessor {
  /** Special tokens added for a single sequence (false) or a pair (true); truncation reserves room for them. */
  addedTokens(isPair: boolean): number;
  process(encoding: Encoding, pair: Encoding | null, addSpecialTokens: boolean): Encoding;
  /** Rust's process_encodings: the numbered encodings in, the encodings to merge out. */
  processEncodings(encodings: Encoding[], addSpecialTokens: boolean): Encoding[];
}

function specialEncoding(ids: number[], tokens: string[], typeId: number): Encoding {
  const n = ids.length;
  return new Encoding(
    ids.slice(),
    new Array(n).fill(typeId),
    tokens.slice(),
    new Array(n).fill(null),
    Array.from({ length: n }, () => [0, 0] as Offset),
    new Array(n).fill(1),
    new Array(n).fill(1),
  );
}

/** Rust's default `process`: number the sequences, let the processor transform them, then merge. */
function processAll(
  processor: { processEncodings(e: Encoding[], add: boolean): Encoding[] },
  encoding: Encoding,
  pair: Encoding | null,
  addSpecialTokens: boolean,
): Encoding {
  const encodings = pair ? [encoding, pair] : [encoding];
  encodings.forEach((e, i) => {
    e.setSequenceId(i);
    for (const o of e.overflowing) o.setSequenceId(i);
  });
  return Encoding.merge(processor.processEncodings(encodings, addSpecialTokens), false);
}

type TemplatePiece =
  | { SpecialToken: { id: string; type_id: number } }
  | { Sequence: { id: 'A' | 'B'; type_id: number } };
interface SpecialTokenSpec {
  id: string;
  ids: number[];
  tokens: string[];
}

export class TemplateProcessing implements PostProcessor {
  constructor(
    private readonly single: TemplatePiece[],
    private readonly pair: TemplatePiece[],
    private readonly specialTokens: Record<string, SpecialTokenSpec>,
  ) {
    for (const piece of [...single, ...pair]) {
      if ('SpecialToken' in piece && !specialTokens[piece.SpecialToken.id]) {
        throw new Error(`TemplateProcessing uses '${piece.SpecialToken.id}' without defining it`);
      }
    }
  }

  addedTokens(isPair: boolean): number {
    return (isPair ? this.pair : this.single).reduce(
      (n, p) => n + ('SpecialToken' in p ? this.specialTokens[p.SpecialToken.id].ids.length : 0),
      0,
    );
  }

  process(encoding: Encoding, pair: Encoding | null, addSpecialTokens: boolean): Encoding {
    if (encoding.overflowing.length || pair?.overflowing.length)
      return processAll(this, encoding, pair, addSpecialTokens);
    return this.concatenate(pair ? [encoding, pair] : [encoding], addSpecialTokens);
  }

  /**
   * Without overflowing windows, merging is plain concatenation: build the result in one pass. Gives what
   * processAll gives (the golden tests run both paths), without the intermediate encodings.
   */
  private concatenate(encodings: Encoding[], addSpecialTokens: boolean): Encoding {
    const template = encodings.length === 2 ? this.pair : this.single;
    const out = Encoding.empty();
    for (const piece of template) {
      if ('Sequence' in piece) {
        const i = piece.Sequence.id === 'A' ? 0 : 1;
        const e = encodings[i];
        out.sequenceRanges.set(i, [out.length, out.length + e.length]);
        for (let k = 0; k < e.length; k++) {
          out.ids.push(e.ids[k]);
          out.typeIds.push(piece.Sequence.type_id);
          out.tokens.push(e.tokens[k]);
          out.words.push(e.words[k]);
          out.offsets.push([e.offsets[k][0], e.offsets[k][1]]);
          out.specialTokensMask.push(e.specialTokensMask[k]);
          out.attentionMask.push(e.attentionMask[k]);
        }
      } else if (addSpecialTokens) {
        const spec = this.specialTokens[piece.SpecialToken.id];
        for (let k = 0; k < spec.ids.length; k++) {
          out.ids.push(spec.ids[k]);
          out.typeIds.push(piece.SpecialToken.type_id);
          out.tokens.push(spec.tokens[k]);
          out.words.push(null);
          out.offsets.push([0, 0]);
          out.specialTokensMask.push(1);
          out.attentionMask.push(1);
        }
      }
    }
    return out;
  }

  processEncodings(encodings: Encoding[], addSpecialTokens: boolean): Encoding[] {
    const template = encodings.length === 2 ? this.pair : this.single;
    const out: Encoding[] = [];
    const used = new Set<number>();
    for (const piece of template) {
      if ('Sequence' in piece) {
        const i = piece.Sequence.id === 'A' ? 0 : 1;
        const e = encodings[i];
        e.typeIds = new Array(e.length).fill(piece.Sequence.type_id);
        e.setSequenceId(i);
        // A sequence the template names twice must not share arrays with itself.
        out.push(used.has(i) ? e.clone() : e);
        used.add(i);
      } else if (addSpecialTokens) {
        const spec = this.specialTokens[piece.SpecialToken.id];
        out.push(specialEncoding(spec.ids, spec.tokens, piece.SpecialToken.type_id));
      }
    }
    return out;
  }
}

/**
 * BertProcessing and RobertaProcessing: [cls] A [sep] (+ [sep] B [sep] for RoBERTa, B [sep] for BERT).
 * RoBERTa also trims whitespace out of offsets and gives every token type id 0, like the reference.
 */
export class ClsSepProcessing implements PostProcessor {
  constructor(
    private readonly cls: [string, number],
    private readonly sep: [string, number],
    private readonly roberta: boolean,
    private readonly trimOffsets: boolean,
    private readonly addPrefixSpace = false,
  ) {}

  addedTokens(isPair: boolean): number {
    return isPair ? (this.roberta ? 4 : 3) : 2;
  }

  process(encoding: Encoding, pair: Encoding | null, addSpecialTokens: boolean): Encoding {
    return processAll(this, encoding, pair, addSpecialTokens);
  }

  processEncodings(encodings: Encoding[], addSpecialTokens: boolean): Encoding[] {
    if (this.trimOffsets) {
      for (const e of encodings) {
        trimOffsets(e, this.addPrefixSpace);
        for (const o of e.overflowing) trimOffsets(o, this.addPrefixSpace);
      }
    }
    if (this.roberta) for (const e of encodings) e.typeIds = new Array(e.length).fill(0);
    if (!addSpecialTokens) return encodings;
    return encodings.map((e, i) => {
      const wrapped = this.wrap(e, i);
      wrapped.overflowing = e.overflowing.map((o) => this.wrap(o, i));
      return wrapped;
    });
  }

  /** Sequence 0 becomes cls A sep; sequence 1 becomes sep B sep (RoBERTa) or B sep (BERT). */
  private wrap(e: Encoding, sequence: number): Encoding {
    const [sepToken, sepId] = this.sep;
    const lead = sequence === 0 ? this.cls : this.roberta ? this.sep : null;
    const typeId = this.roberta ? 0 : sequence;
    const shift = lead ? 1 : 0;
    const n = e.length + shift + 1;
    const ids = new Array<number>(n);
    const tokens = new Array<string>(n);
    const words = new Array<number | null>(n);
    const offsets = new Array<Offset>(n);
    const special = new Array<number>(n);
    if (lead) {
      ids[0] = lead[1];
      tokens[0] = lead[0];
      words[0] = null;
      offsets[0] = [0, 0];
      special[0] = 1;
    }
    for (let i = 0; i < e.length; i++) {
      ids[i + shift] = e.ids[i];
      tokens[i + shift] = e.tokens[i];
      words[i + shift] = e.words[i];
      offsets[i + shift] = e.offsets[i];
      special[i + shift] = 0;
    }
    ids[n - 1] = sepId;
    tokens[n - 1] = sepToken;
    words[n - 1] = null;
    offsets[n - 1] = [0, 0];
    special[n - 1] = 1;
    const out = new Encoding(ids, new Array(n).fill(typeId), tokens, words, offsets, special, new Array(n).fill(1));
    out.sequenceRanges.set(sequence, [shift, n - 1]);
    return out;
  }
}

/**
 * ByteLevel trim_offsets: offsets of a token exclude its leading and trailing spaces ('Ġ' or whitespace), except
 * the one space add_prefix_space put before the first token. Every such character is a single UTF-16 unit, so
 * counting units counts characters.
 */
function trimOffsets(e: Encoding, addPrefixSpace: boolean): void {
  const isSpace = (unit: number) => unit === 0x120 || isWhitespace(unit);
  e.tokens.forEach((token, i) => {
    const n = token.length;
    let leading = 0;
    while (leading < n && isSpace(token.charCodeAt(leading))) leading++;
    let trailing = 0;
    while (trailing < n && isSpace(token.charCodeAt(n - 1 - trailing))) trailing++;
    const offset = e.offsets[i];
    if (leading > 0) {
      if ((i === 0 || offset[0] === 0) && addPrefixSpace && leading === 1) leading = 0;
      offset[0] = Math.min(offset[0] + leading, offset[1]);
    }
    if (trailing > 0 && offset[1] >= trailing) offset[1] = Math.max(offset[1] - trailing, offset[0]);
  });
}

/** ByteLevel as a post-processor: adds nothing; trims offsets when trim_offsets. */
export class ByteLevelProcessing implements PostProcessor {
  constructor(
    private readonly trim: boolean,
    private readonly addPrefixSpace: boolean,
  ) {}

  addedTokens(): number {
    return 0;
  }

  process(encoding: Encoding, pair: Encoding | null, addSpecialTokens: boolean): Encoding {
    return processAll(this, encoding, pair, addSpecialTokens);
  }

  processEncodings(encodings: Encoding[]): Encoding[] {
    if (this.trim)
      for (const e of encodings) {
        trimOffsets(e, this.addPrefixSpace);
        for (const o of e.overflowing) trimOffsets(o, this.addPrefixSpace);
      }
    encodings.forEach((e, i) => e.setSequenceId(i));
    return encodings;
  }
}

/** Sequence: each processor transforms the encodings in turn; the special tokens they add add up. */
export class SequenceProcessing implements PostProcessor {
  constructor(private readonly processors: PostProcessor[]) {}

  addedTokens(isPair: boolean): number {
    return this.processors.reduce((n, p) => n + p.addedTokens(isPair), 0);
  }

  process(encoding: Encoding, pair: Encoding | null, addSpecialTokens: boolean): Encoding {
    return processAll(this, encoding, pair, addSpecialTokens);
  }

  processEncodings(encodings: Encoding[], addSpecialTokens: boolean): Encoding[] {
    let out = encodings;
    for (const p of this.processors) out = p.processEncodings(out, addSpecialTokens);
    return out;
  }
}

const SUPPORTED = 'TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence';

export function postProcessorFromJson(json: unknown): PostProcessor | null {
  if (json === null || json === undefined) return null;
  const c = json as Record<string, any>;
  switch (c.type) {
    case 'TemplateProcessing':
      return new TemplateProcessing(templateOf(c.single, 'single'), templateOf(c.pair, 'pair'), c.special_tokens ?? {});
    case 'BertProcessing':
      return new ClsSepProcessing(c.cls, c.sep, false, false);
    case 'RobertaProcessing':
      return new ClsSepProcessing(c.cls, c.sep, true, c.trim_offsets ?? true, c.add_prefix_space ?? true);
    case 'ByteLevel':
      return new ByteLevelProcessing(c.trim_offsets ?? true, c.add_prefix_space ?? true);
    case 'Sequence':
      if (!Array.isArray(c.processors)) throw new Error("post_processor 'Sequence' has no 'processors' list");
      return new SequenceProcessing(
        c.processors.map((p: unknown) => postProcessorFromJson(p) ?? new SequenceProcessing([])),
      );
    default:
      throw new Error(`unsupported post_processor '${c.type}': edgeclass supports ${SUPPORTED}`);
  }
}

/** A template as tokenizer.json writes it, or in the string shorthand ("[CLS]:0", "$A", "$B:1"). */
function templateOf(pieces: unknown, name: string): TemplatePiece[] {
  const list = typeof pieces === 'string' ? pieces.split(' ').filter(Boolean) : pieces;
  if (!Array.isArray(list)) throw new Error(`post_processor 'TemplateProcessing': '${name}' must be a list`);
  return list.map((p) => {
    if (typeof p !== 'string') return p as TemplatePiece;
    const [head, type] = p.split(':');
    const typeId = type === undefined ? 0 : Number(type);
    if (head === '$' || head === '$A' || head === '$a') return { Sequence: { id: 'A', type_id: typeId } };
    if (head === '$B' || head === '$b') return { Sequence: { id: 'B', type_id: typeId } };
    if (/^\$\d+$/.test(head)) return { Sequence: { id: 'A', type_id: Number(head.slice(1)) } };
    return { SpecialToken: { id: head, type_id: typeId } };
  });
}
