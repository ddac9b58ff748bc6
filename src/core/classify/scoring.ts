// Scoring helpers shared by the strategies: softmax and sigmoid in float64, ranking with top_k, hypotheses.
import { RequestError } from '../errors.ts';

export function softmax(values: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  const exps = Array.from(values, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export interface Ranked {
  labels: string[];
  scores: number[];
}

/** Labels by descending score (ties keep label order), cut to top_k when given. */
export function rank(labels: readonly string[], scores: readonly number[], topK: number | null): Ranked {
  const order = labels.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const kept = topK === null ? order : order.slice(0, topK);
  return { labels: kept.map((i) => labels[i]), scores: kept.map((i) => scores[i]) };
}

/** The template with each `{}` replaced by the label, as `hypothesis_template.format(label)`. */
export function hypothesis(template: string, label: string): string {
  return template.split('{}').join(label);
}

export function checkTemplate(template: string): void {
  if (!template.includes('{}')) {
    throw new RequestError(
      'invalid_request',
      `hypothesis_template must contain {} where the label goes, got '${template}'`,
      'hypothesis_template',
    );
  }
}

/** Cosine similarity of two unit vectors: their dot product. */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}
