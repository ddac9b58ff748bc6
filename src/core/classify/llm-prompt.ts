// Prompts for the `llm` strategy and the strict reading of a chat model's answer. Shared by the local scorer
// (llm-local.ts: templates whose continuation is scored) and the remote one (llm-remote.ts: chat messages asking
// for JSON). Nothing here knows HTTP or a runtime.
import { RequestError } from '../errors.ts';

/** The labels the llm strategy can work with: at least one, none blank, no two the same after trimming. */
export function checkLabels(labels: string[]): void {
  if (labels.length === 0)
    throw new RequestError('invalid_request', 'the llm strategy needs at least one label', 'labels');
  const seen = new Map<string, number>();
  labels.forEach((label, i) => {
    const key = label.trim();
    if (!key) throw new RequestError('invalid_request', `labels[${i}] is blank`, `labels[${i}]`);
    if (seen.has(key))
      throw new RequestError(
        'invalid_request',
        `labels[${i}] repeats labels[${seen.get(key)}] (${JSON.stringify(key)})`,
        `labels[${i}]`,
      );
    seen.set(key, i);
  });
}

// Local scoring ---------------------------------------------------------------------------------------------------

/**
 * Single-label: the model continues the prompt with " <label>"; {labels} lists the labels, {text} is the input.
 * The prompt ends without a space: byte-level BPE spells a word with its leading space ("Ġpositive"), so the label
 * is scored as " positive", the way it would follow in running text.
 */
export const DEFAULT_SINGLE_LABEL_TEMPLATE =
  'Classify the text into one of these categories: {labels}.\n\nText: {text}\nCategory:';

/** Multi-label: one yes/no question per label; {label} is the label asked about. */
export const DEFAULT_MULTI_LABEL_TEMPLATE =
  'Categories: {labels}.\n\nText: {text}\nDoes the category "{label}" apply to the text? Answer yes or no.\nAnswer:';

/** The answers scored against each other for a multi-label question. */
export const YES = ' yes';
export const NO = ' no';

const PLACEHOLDER = /\{(text|labels|label)\}/g;

/**
 * Checks a caller's template: {text} is required, and multi-label needs {label} (each label gets its own
 * question). Other braces are literal text.
 */
export function checkTemplate(template: string, multiLabel: boolean, param = 'prompt_template'): void {
  if (!template.includes('{text}'))
    throw new RequestError('invalid_request', `${param} must contain {text} (where the input goes)`, param);
  if (multiLabel && !template.includes('{label}')) {
    throw new RequestError(
      'invalid_request',
      `${param} must contain {label} for multi_label: each label is asked about on its own`,
      param,
    );
  }
  if (!multiLabel && template.includes('{label}')) {
    throw new RequestError(
      'invalid_request',
      `${param} may use {labels} but not {label} for single-label classification`,
      param,
    );
  }
}

/** Fills {text}, {labels} and {label} in one pass, so braces inside the text or a label are never re-expanded. */
export function renderTemplate(template: string, values: { text: string; labels: string[]; label?: string }): string {
  return template.replace(PLACEHOLDER, (_, key: 'text' | 'labels' | 'label') =>
    key === 'text' ? values.text : key === 'labels' ? values.labels.join(', ') : (values.label ?? ''),
  );
}

// Remote chat -----------------------------------------------------------------------------------------------------

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const SYSTEM =
  'You are a text classifier. You answer with a single JSON object and nothing else: no prose, no code fences.';

/** The chat messages asking for {"label": ...} (or {"labels": [...]} for multi-label) about one input. */
export function classificationMessages(text: string, labels: string[], multiLabel: boolean): ChatMessage[] {
  const list = JSON.stringify(labels);
  const task = multiLabel
    ? `Decide which of these labels apply to the text: ${list}. Any number may apply, including none.\n` +
      'Reply with exactly {"labels": [...]} listing the labels that apply, each written exactly as given.'
    : `Classify the text into exactly one of these labels: ${list}.\n` +
      'Reply with exactly {"label": "..."} holding the one label that fits best, written exactly as given.';
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `${task}\n\nText:\n"""\n${text}\n"""` },
  ];
}

/** What to send after an unusable answer: the answer itself, then why it was refused and what is wanted. */
export function correctionMessages(
  answer: string,
  reason: string,
  labels: string[],
  multiLabel: boolean,
): ChatMessage[] {
  const wanted = multiLabel ? '{"labels": [...]} with labels from' : '{"label": "..."} with exactly one label from';
  return [
    { role: 'assistant', content: answer },
    {
      role: 'user',
      content: `That answer cannot be used: ${reason}. Reply with only the JSON object ${wanted} ${JSON.stringify(labels)}.`,
    },
  ];
}

/**
 * The JSON schema of a valid answer, labels as an enum: for endpoints that constrain decoding to a schema
 * (OpenAI's and Workers AI's json_schema response format), so an off-label answer cannot even be produced.
 */
export function answerSchema(labels: string[], multiLabel: boolean): Record<string, unknown> {
  const label = { type: 'string', enum: labels };
  return multiLabel
    ? {
        type: 'object',
        properties: { labels: { type: 'array', items: label } },
        required: ['labels'],
        additionalProperties: false,
      }
    : { type: 'object', properties: { label }, required: ['label'], additionalProperties: false };
}

export type ParsedAnswer = { ok: true; indices: number[] } | { ok: false; reason: string };

/**
 * Reads an answer strictly. It must be one JSON object (surrounding whitespace allowed; prose or code fences are
 * not) with "label": a string (single-label) or "labels": an array of strings (multi-label); other keys are
 * ignored. A label matches exactly after trimming, else case-insensitively when that singles out one label;
 * anything else is off-label. Workers AI in JSON mode hands back the object already parsed.
 */
export function parseAnswer(answer: unknown, labels: string[], multiLabel: boolean): ParsedAnswer {
  let value = answer;
  if (typeof answer === 'string') {
    try {
      value = JSON.parse(answer.trim());
    } catch {
      return { ok: false, reason: `it is not a JSON object (${preview(answer)})` };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: `it is not a JSON object (${preview(answer)})` };
  const obj = value as Record<string, unknown>;
  const key = multiLabel ? 'labels' : 'label';
  const raw = obj[key];
  if (multiLabel) {
    if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'string'))
      return { ok: false, reason: 'it has no "labels" array of strings' };
    const indices = new Set<number>();
    for (const name of raw as string[]) {
      const i = matchLabel(name, labels);
      if (i < 0) return { ok: false, reason: `${JSON.stringify(name)} is not one of the labels` };
      indices.add(i);
    }
    return { ok: true, indices: [...indices].sort((a, b) => a - b) };
  }
  if (typeof raw !== 'string') return { ok: false, reason: 'it has no "label" string' };
  const i = matchLabel(raw, labels);
  return i < 0 ? { ok: false, reason: `${JSON.stringify(raw)} is not one of the labels` } : { ok: true, indices: [i] };
}

/** Index of the label `name` names: exact after trimming, else the one case-insensitive match; -1 if none. */
export function matchLabel(name: string, labels: string[]): number {
  const trimmed = name.trim();
  const exact = labels.findIndex((l) => l.trim() === trimmed);
  if (exact >= 0) return exact;
  const folded = trimmed.toLowerCase();
  const matches = labels.flatMap((l, i) => (l.trim().toLowerCase() === folded ? [i] : []));
  return matches.length === 1 ? matches[0] : -1;
}

function preview(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}
