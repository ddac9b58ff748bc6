// The embedding strategy's scoring options and their valid ranges, shared by the request schema and the classifier's
// own checks (the CLI and other callers reach the core without the schema).
import { RequestError } from '../errors.ts';

/**
 * temperature divides cosine similarities (in [-1, 1]) before softmax or sigmoid. Below 1e-4 the scores are already
 * one-hot for any two labels whose similarities differ by 0.01, and near the smallest doubles (1e-320) the division
 * overflows to Infinity and softmax answers NaN; above 1e4 every score is uniform. Outside this range nothing is
 * gained, so it is refused rather than answered with NaN (null in JSON).
 */
export const TEMPERATURE_RANGE = { min: 1e-4, max: 1e4 } as const;

/** threshold is the cosine similarity scored 0.5 with multi_label: a cosine, so within [-1, 1]. */
export const THRESHOLD_RANGE = { min: -1, max: 1 } as const;

export function checkScoreOptions(request: { temperature?: number; threshold?: number }): void {
  checkRange('temperature', request.temperature, TEMPERATURE_RANGE);
  checkRange('threshold', request.threshold, THRESHOLD_RANGE);
}

function checkRange(param: string, value: number | undefined, range: { min: number; max: number }): void {
  if (value === undefined) return;
  // typeof first: NaN and Infinity fail the comparisons below as well, a string would not.
  if (typeof value !== 'number' || !(value >= range.min && value <= range.max)) {
    throw new RequestError(
      'invalid_request',
      `${param} must be a number from ${range.min} to ${range.max}, got ${String(value)}`,
      param,
    );
  }
}
