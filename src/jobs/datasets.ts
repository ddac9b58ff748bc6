// Dataset validation at the edge, with the training module's own parser (src/train/data.ts): what the worker will
// read is exactly what was accepted here. Format from the file name, columns and labels from the content.
import { RequestError } from '../core/errors.ts';
import {
  DatasetError,
  formatOfFile,
  isMultiLabel,
  labelSet,
  parseDataset,
  type DatasetFormat,
  type RawExample,
} from '../train/data.ts';

export interface DatasetSummary {
  format: DatasetFormat;
  examples: number;
  /** Label names in id order (labelSet). */
  labels: string[];
  multiLabel: boolean;
}

/** Most labels a classification dataset may have (the head is num_labels wide). */
export const MAX_LABELS = 1000;

/** Parses and checks a dataset file; throws RequestError (invalid_request, param `param`) naming the problem. */
export function validateDataset(
  bytes: Uint8Array,
  filename: string,
  param = 'file',
): DatasetSummary & { rows: RawExample[] } {
  let format: DatasetFormat;
  let text: string;
  let rows: RawExample[];
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new RequestError('invalid_request', `${param}: the file is not valid UTF-8 text`, param);
  }
  try {
    // The name's extension when it says, else the content (a .txt or nameless upload).
    format = formatOfFile(filename, text);
    rows = parseDataset(text, format);
  } catch (err) {
    if (err instanceof DatasetError) throw new RequestError('invalid_request', `${param}: ${err.message}`, param);
    throw err;
  }
  if (rows.length === 0) throw new RequestError('invalid_request', `${param}: the file holds no examples`, param);
  const multiLabel = isMultiLabel(rows);
  const labels = labelSet(rows);
  if (labels.length > MAX_LABELS) {
    throw new RequestError(
      'invalid_request',
      `${param}: ${labels.length} distinct labels; the limit is ${MAX_LABELS}`,
      param,
    );
  }
  return { format, examples: rows.length, labels, multiLabel, rows };
}

/** The checks a training file must pass beyond being well-formed (at job creation). */
export function checkTrainingSet(
  summary: Pick<DatasetSummary, 'examples' | 'labels' | 'multiLabel'>,
  minExamples: number,
  param: string,
): void {
  if (summary.examples < minExamples) {
    throw new RequestError(
      'invalid_request',
      `${param}: the training file has ${summary.examples} examples; at least ${minExamples} are needed`,
      param,
    );
  }
  if (!summary.multiLabel && summary.labels.length < 2) {
    throw new RequestError(
      'invalid_request',
      `${param}: the training file has a single label (${summary.labels[0]}); a classifier needs at least two`,
      param,
    );
  }
}

/** A validation file's labels must be ones the training file defines. */
export function checkValidationLabels(training: string[], validation: string[], param: string): void {
  // The trainer's labelId rule: a name of the set, or an integer id within it.
  const known = new Set(training);
  const unknown = validation.filter((l) => !known.has(l) && !(/^\d+$/.test(l) && Number(l) < training.length));
  if (unknown.length) {
    throw new RequestError(
      'invalid_request',
      `${param}: labels not in the training file: ${unknown.slice(0, 10).join(', ')}`,
      param,
    );
  }
}
