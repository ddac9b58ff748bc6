// Labelled text datasets: TSV, CSV or JSONL, one example per row; a text or a text pair, and a label given by
// name or by id (or, in JSONL, a list of labels for multi-label). JSONL may also be OpenAI's chat format
// ({"messages": [...]}): the last user message is the text, the assistant's answer after it the label, a system
// message is ignored. No Node imports: the edge validates uploads with the same code.
import { parse as parseCsv } from 'csv-parse/sync';

export type DatasetFormat = 'tsv' | 'csv' | 'jsonl';

export interface RawExample {
  text: string;
  pair: string | null;
  /** A label name or id; an array for multi-label. */
  label: string | string[];
}

export class DatasetError extends Error {
  constructor(
    message: string,
    readonly line: number | null = null,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.name = 'DatasetError';
  }
}

const TEXT_COLUMNS = ['text', 'sentence', 'sentence1', 'premise', 'question', 'content', 'prompt'];
const PAIR_COLUMNS = ['text_pair', 'sentence2', 'hypothesis', 'context'];
const LABEL_COLUMNS = ['label', 'labels', 'class', 'category', 'target', 'completion'];

export function formatOf(fileName: string): DatasetFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  throw new DatasetError(`cannot tell the format of '${fileName}': use a .tsv, .csv or .jsonl file`);
}

/** The format a file's content shows: a JSON object on the first line is JSONL, a tab TSV, else CSV. */
export function sniffFormat(content: string): DatasetFormat {
  const first =
    content
      .replace(/^\ufeff/, '')
      .split(/\r?\n/)
      .find((line) => line.trim() !== '') ?? '';
  if (first.trim().startsWith('{')) return 'jsonl';
  return first.includes('\t') ? 'tsv' : 'csv';
}

/**
 * The name's extension (.tsv, .csv, .jsonl...; another one is refused), else, for a name without one or a .txt, what
 * the content shows.
 */
export function formatOfFile(fileName: string | null, content: string): DatasetFormat {
  const extension = /\.([^./\\]+)$/.exec(fileName ?? '')?.[1]?.toLowerCase();
  if (fileName && extension && extension !== 'txt') return formatOf(fileName);
  return sniffFormat(content);
}

function pick(names: string[], candidates: string[]): number {
  const lower = names.map((n) => n.trim().toLowerCase());
  for (const c of candidates) {
    const i = lower.indexOf(c);
    if (i >= 0) return i;
  }
  return -1;
}

/** Rows of a delimited file: a header names the columns; without one, [text, label] or [text, pair, label]. */
function fromRows(rows: string[][]): RawExample[] {
  if (!rows.length) return [];
  const header = rows[0];
  let t = pick(header, TEXT_COLUMNS);
  let p = pick(header, PAIR_COLUMNS);
  let l = pick(header, LABEL_COLUMNS);
  let body = rows.slice(1);
  let firstLine = 2;
  if (t < 0 || l < 0) {
    if (t >= 0 || l >= 0)
      throw new DatasetError(
        `the header must name a text column (${TEXT_COLUMNS.join(', ')}) and a label column (${LABEL_COLUMNS.join(', ')})`,
        1,
      );
    // No header: the GLUE/AG News layout.
    body = rows;
    firstLine = 1;
    const width = rows[0].length;
    if (width === 2) [t, p, l] = [0, -1, 1];
    else if (width === 3) [t, p, l] = [0, 1, 2];
    else
      throw new DatasetError(
        `without a header, rows must have 2 columns (text, label) or 3 (text, text_pair, label); found ${width}`,
        1,
      );
  }
  return body.map((row, i) => {
    const line = firstLine + i;
    const text = row[t];
    const label = row[l];
    if (text === undefined || label === undefined)
      throw new DatasetError(`expected ${Math.max(t, p, l) + 1} columns, found ${row.length}`, line);
    if (label.trim() === '') throw new DatasetError('the label is empty', line);
    return { text, pair: p >= 0 ? (row[p] ?? '') : null, label: label.trim() };
  });
}

function parseJsonl(content: string): RawExample[] {
  const out: RawExample[] = [];
  content.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line);
    } catch {
      throw new DatasetError('not valid JSON', i + 1);
    }
    if (!row || typeof row !== 'object' || Array.isArray(row))
      throw new DatasetError('each line must be a JSON object', i + 1);
    if ('messages' in row) {
      out.push(chatExample(row.messages, i + 1));
      return;
    }
    const key = (candidates: string[]) => candidates.find((c) => c in row);
    const tk = key(TEXT_COLUMNS);
    const lk = key(LABEL_COLUMNS);
    if (!tk || !lk)
      throw new DatasetError(
        `each object needs a text field (${TEXT_COLUMNS.join(', ')}) and a label field (${LABEL_COLUMNS.join(', ')})`,
        i + 1,
      );
    const pk = key(PAIR_COLUMNS);
    const text = row[tk];
    const pair = pk ? row[pk] : null;
    const label = row[lk];
    if (typeof text !== 'string') throw new DatasetError(`'${tk}' must be a string`, i + 1);
    if (pair !== null && typeof pair !== 'string') throw new DatasetError(`'${pk}' must be a string`, i + 1);
    const asLabel = (v: unknown) => {
      if (typeof v === 'number' && Number.isInteger(v)) return String(v);
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
      throw new DatasetError(`'${lk}' must be a non-empty string, an integer, or a list of them`, i + 1);
    };
    out.push({ text, pair, label: Array.isArray(label) ? label.map(asLabel) : asLabel(label) });
  });
  return out;
}

/** A message's text: a string, or OpenAI's content parts (their text parts joined). */
function messageText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const parts = content.filter((p) => p && typeof p === 'object' && p.type === 'text' && typeof p.text === 'string');
  return parts.length ? parts.map((p) => p.text as string).join('') : null;
}

/** One chat-format line: the last assistant answer is the label, the last user message before it the text. */
function chatExample(messages: unknown, line: number): RawExample {
  if (!Array.isArray(messages)) throw new DatasetError("'messages' must be a list of messages", line);
  const roles = messages.map((m) => (m && typeof m === 'object' ? (m as { role?: unknown }).role : null));
  const answer = roles.lastIndexOf('assistant');
  const question = roles.slice(0, Math.max(0, answer)).lastIndexOf('user');
  if (answer < 0 || question < 0)
    throw new DatasetError('a chat example needs a user message and an assistant answer after it (the label)', line);
  const text = messageText((messages[question] as { content?: unknown }).content);
  const label = messageText((messages[answer] as { content?: unknown }).content)?.trim();
  if (text === null) throw new DatasetError("the user message's content must be text", line);
  if (!label) throw new DatasetError("the assistant's answer (the label) must be non-empty text", line);
  return { text, pair: null, label };
}

export function parseDataset(content: string, format: DatasetFormat): RawExample[] {
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  if (format === 'jsonl') return parseJsonl(text);
  let rows: string[][];
  try {
    rows =
      format === 'tsv'
        ? text
            .split(/\r?\n/)
            .filter((l) => l.length > 0)
            .map((l) => l.split('\t'))
        : parseCsv(text, { relax_column_count: true, skip_empty_lines: true });
  } catch (err) {
    throw new DatasetError(`malformed CSV: ${err instanceof Error ? err.message : String(err)}`);
  }
  return fromRows(rows);
}

/** Label names in id order: the given ones, else the distinct values (numerically when all are integers). */
export function labelSet(examples: RawExample[], given?: string[]): string[] {
  if (given?.length) return given;
  const values = new Set(examples.flatMap((e) => (Array.isArray(e.label) ? e.label : [e.label])));
  const all = [...values];
  if (all.every((v) => /^\d+$/.test(v))) {
    const ids = all.map(Number).sort((a, b) => a - b);
    // Integer labels are ids: 0..max must all be names, even if a class is absent from this file.
    return Array.from({ length: ids[ids.length - 1] + 1 }, (_, i) => String(i));
  }
  return all.sort();
}

/** A label value -> its id: a name of the set, or an integer id within it. */
export function labelId(value: string, labels: string[], line?: number): number {
  const byName = labels.indexOf(value);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(value) && Number(value) < labels.length) return Number(value);
  throw new DatasetError(
    `unknown label '${value}' (labels: ${labels.slice(0, 20).join(', ')}${labels.length > 20 ? ', ...' : ''})`,
    line ?? null,
  );
}

export function isMultiLabel(examples: RawExample[]): boolean {
  return examples.some((e) => Array.isArray(e.label));
}
