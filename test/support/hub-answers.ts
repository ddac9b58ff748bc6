// For workerd, where no server listens for check_serving.mjs: its judgement of one answer to a reference.json
// request (strategy, labels mapped back to the request's order, descending order, every value within tol).

export interface HubRequest {
  id: string;
  route: '/v1/classify' | '/v1/embeddings' | '/v1/tokenize';
  body: Record<string, unknown>;
  expect: { strategy?: string; labels?: string[]; scores?: number[][]; embeddings?: number[][] };
  tol: number;
  diagnostic?: boolean;
}

/** Why an answer is not the reference's, or null when it is (check_serving.mjs's rule, for workerd). */
export function hubAnswerProblem(request: HubRequest, status: number, body: unknown): string | null {
  if (status !== 200) return `HTTP ${status}: ${JSON.stringify(body).slice(0, 400)}`;
  const want = request.expect;
  if (request.route === '/v1/embeddings') {
    const data = [...(body as { data: { index: number; embedding: number[] }[] }).data].sort(
      (a, b) => a.index - b.index,
    );
    const got = data.map((d) => d.embedding);
    return worst(got, want.embeddings!, request.tol);
  }
  const answer = body as { strategy: string; results: { labels: string[]; scores: number[] }[] };
  if (answer.strategy !== want.strategy) return `strategy ${answer.strategy}, expected ${want.strategy}`;
  if (answer.results.length !== want.scores!.length) return `${answer.results.length} results`;
  const got: number[][] = [];
  for (const [i, { labels, scores }] of answer.results.entries()) {
    if (scores.some((s, k) => k > 0 && !(scores[k - 1] >= s))) return `results[${i}] is not sorted`;
    const row = want.labels!.map((label) => scores[labels.indexOf(label)]);
    if (labels.length !== want.labels!.length || row.some((s) => s === undefined))
      return `results[${i}] labels ${labels}`;
    got.push(row);
  }
  return worst(got, want.scores!, request.tol);
}

function worst(got: number[][], want: number[][], tol: number): string | null {
  if (got.length !== want.length) return `${got.length} rows, expected ${want.length}`;
  let max = 0;
  want.forEach((row, i) => {
    if (got[i].length !== row.length) max = Infinity;
    row.forEach((w, j) => (max = Math.max(max, Math.abs(got[i][j] - w))));
  });
  return max <= tol ? null : `largest difference ${max} above tol ${tol}`;
}
