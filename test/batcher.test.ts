// Batching rows into runs: the plan (longest first, under a token budget), the per-request runner, and the Node
// batcher that merges concurrent requests, keeps each request's results in order, and isolates a failing request.
import { describe, expect, it } from 'vitest';
import { BatchingRunner } from '../src/inference/batcher.ts';
import { buildFeeds, DirectRunner, planBatches, splitOutputs, type EncodedRow } from '../src/inference/rows.ts';
import type { FloatTensor, InferenceSession, Tensor } from '../src/inference/runtime.ts';
import { bucketByLength, rowsPerRun, splitByTokens } from '../src/inference/split.ts';

const row = (length: number, first = 1): EncodedRow => ({
  ids: Array.from({ length }, (_, i) => first + i),
  typeIds: null,
});
const SPEC = { inputNames: ['input_ids', 'attention_mask'], padId: 0 };

/**
 * A session whose output per row is [sum of ids, real length, padded length]: enough to check that every row got
 * its own result and how runs were padded. Ids of 666 fail the run, as an out-of-range id fails a real graph.
 */
function fakeSession(concurrentRuns?: number): InferenceSession & { runs: number[][]; peak: number } {
  const runs: number[][] = [];
  let inFlight = 0;
  const session = {
    inputNames: SPEC.inputNames,
    outputNames: ['out'],
    concurrentRuns,
    runs,
    peak: 0,
    async run(feeds: Record<string, Tensor>): Promise<Record<string, FloatTensor>> {
      session.peak = Math.max(session.peak, ++inFlight);
      // Runs that were started together overlap, as runs in worker threads do.
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      const [B, T] = feeds.input_ids.dims;
      const ids = feeds.input_ids.data as BigInt64Array;
      const mask = feeds.attention_mask.data as BigInt64Array;
      if (ids.some((id) => id === 666n)) throw new Error('poisoned row');
      const out = new Float32Array(B * 3);
      const lengths: number[] = [];
      for (let b = 0; b < B; b++) {
        let sum = 0;
        let length = 0;
        for (let t = 0; t < T; t++) {
          sum += Number(ids[b * T + t] * mask[b * T + t]);
          length += Number(mask[b * T + t]);
        }
        out.set([sum, length, T], b * 3);
        lengths.push(length);
      }
      runs.push(lengths);
      return { out: { data: out, dims: [B, 3] } };
    },
    async release() {},
  };
  return session;
}

const sumOf = (r: EncodedRow) => r.ids.reduce((a, b) => a + b, 0);

describe('planBatches', () => {
  it('groups longest first under the token and row budgets; a row over the budget runs alone', () => {
    const rows = [row(3), row(10), row(4), row(50), row(9), row(2)];
    const plan = planBatches(rows, { maxTokens: 30, maxRows: 2 });
    expect(plan).toEqual([[3], [1, 4], [2, 0], [5]]);
    for (const batch of plan.slice(1))
      expect(batch.length * Math.max(...batch.map((i) => rows[i].ids.length))).toBeLessThanOrEqual(30);
  });

  it('buildFeeds pads right with the pad id and masks padding; splitOutputs cuts rows without copying', () => {
    const feeds = buildFeeds(
      [
        { ids: [5, 6, 7], typeIds: [0, 0, 1] },
        { ids: [8], typeIds: [0] },
      ],
      { inputNames: ['input_ids', 'attention_mask', 'token_type_ids'], padId: 1 },
    );
    expect(Array.from(feeds.input_ids.data as BigInt64Array, Number)).toEqual([5, 6, 7, 8, 1, 1]);
    expect(Array.from(feeds.attention_mask.data as BigInt64Array, Number)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(Array.from(feeds.token_type_ids.data as BigInt64Array, Number)).toEqual([0, 0, 1, 0, 0, 0]);
    const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const rows = splitOutputs({ x: { data, dims: [2, 3] } }, 2);
    expect(Array.from(rows[1].x.data)).toEqual([4, 5, 6]);
    expect(rows[1].x.dims).toEqual([3]);
    expect(rows[1].x.data.buffer).toBe(data.buffer);
  });
});

describe('splitting rows over concurrent runs', () => {
  const budget = { maxTokens: 4096, maxRows: 64 };

  it('rowsPerRun: whole rounds of equal runs over the slots, under the budget; one slot fills the budget', () => {
    expect(rowsPerRun(160, 45, budget, 2)).toBe(40); // 3 runs by rows -> 4 (2 rounds of 2)
    expect(rowsPerRun(32, 36, budget, 2)).toBe(16);
    expect(rowsPerRun(1, 36, budget, 2)).toBe(1);
    expect(rowsPerRun(100, 200, budget, 2)).toBe(17); // 20,000 tokens -> 5 runs by tokens -> 6
    expect(rowsPerRun(160, 45, budget, 1)).toBe(64);
  });

  it('splitByTokens: consecutive groups of about equal tokens, never an empty one', () => {
    expect(splitByTokens([36, 36, 35, 34, 33, 30, 29, 28], 2)).toEqual([4, 4]);
    expect(splitByTokens([90, 10, 10, 10, 10, 10, 10, 10, 10, 10], 2)).toEqual([1, 9]);
    expect(splitByTokens([5, 4], 3)).toEqual([1, 1]);
    expect(splitByTokens([9, 1, 1], 3)).toEqual([1, 1, 1]);
    expect(splitByTokens([7], 1)).toEqual([1]);
    expect(splitByTokens([], 2)).toEqual([]);
  });

  it('bucketByLength: a run per length when runs are free, one run when they cost more than the padding saved', () => {
    const lengths = [36, 36, 34, 34, 30, 30];
    // Padded tokens: 216 in one run, 4 x 36 + 2 x 30 = 204 in two, 200 in three.
    expect(bucketByLength(lengths, 0.5, budget)).toEqual([2, 2, 2]);
    expect(bucketByLength(lengths, 7, budget)).toEqual([4, 2]);
    expect(bucketByLength(lengths, 13, budget)).toEqual([6]);
    expect(bucketByLength(lengths, Infinity, budget)).toEqual([6]);
    // The budget still cuts: at most 2 rows a run here, and a row over the token budget alone.
    expect(bucketByLength(lengths, 1000, { maxTokens: 4096, maxRows: 2 })).toEqual([2, 2, 2]);
    expect(bucketByLength([50, 4, 4], 1000, { maxTokens: 16, maxRows: 8 })).toEqual([1, 2]);
  });
});

describe('DirectRunner', () => {
  it('runs a request in budgeted runs and answers in input order', async () => {
    const session = fakeSession();
    const rows = [row(3), row(10, 7), row(4), row(9, 2)];
    const out = await new DirectRunner(session, SPEC, { maxTokens: 20, maxRows: 8 }).run(rows, ['out']);
    expect(out.map((o) => o.out.data[0])).toEqual(rows.map(sumOf));
    expect(session.runs).toEqual([
      [10, 9],
      [4, 3],
    ]);
  });
});

describe('BatchingRunner', () => {
  it('merges concurrent requests into one run', async () => {
    const session = fakeSession();
    const runner = new BatchingRunner(session, SPEC, { maxTokens: 1000, maxRows: 64 });
    const requests = [[row(3)], [row(5, 10), row(2, 4)], [row(4, 8)]];
    const results = await Promise.all(requests.map((rows) => runner.run(rows, ['out'])));
    results.forEach((out, i) => expect(out.map((o) => o.out.data[0])).toEqual(requests[i].map(sumOf)));
    expect(session.runs).toHaveLength(1);
    expect(runner.stats).toEqual({ runs: 1, rows: 4 });
  });

  it('queues while a run is in flight and cuts the queue by the token budget', async () => {
    const session = fakeSession();
    const runner = new BatchingRunner(session, SPEC, { maxTokens: 16, maxRows: 64 });
    const requests = Array.from({ length: 10 }, (_, i) => [row(4, i * 10)]);
    const results = await Promise.all(requests.map((rows) => runner.run(rows, ['out'])));
    results.forEach((out, i) => expect(out[0].out.data[0]).toBe(sumOf(requests[i][0])));
    expect(session.runs.map((r) => r.length)).toEqual([4, 4, 2]);
  });

  it('a failing row fails its own request only, and the runner goes on', async () => {
    const session = fakeSession();
    const runner = new BatchingRunner(session, SPEC, { maxTokens: 1000, maxRows: 64 });
    const good = runner.run([row(3)], ['out']);
    const bad = runner.run([row(2), { ids: [666], typeIds: null }], ['out']);
    const alsoGood = runner.run([row(5, 20)], ['out']);
    await expect(bad).rejects.toThrow('poisoned row');
    expect((await good)[0].out.data[0]).toBe(6);
    expect((await alsoGood)[0].out.data[0]).toBe(sumOf(row(5, 20)));
    expect((await runner.run([row(1, 41)], ['out']))[0].out.data[0]).toBe(41);
  });

  it('several slots: the queue is shared out in equal runs of rows of about equal length, computed at once', async () => {
    const session = fakeSession(2);
    const runner = new BatchingRunner(session, SPEC, {
      maxTokens: 1000,
      maxRows: 64,
      maxInFlight: 2,
      runOverheadTokens: 1000,
    });
    const lengths = [4, 9, 5, 8, 6, 7, 3, 10];
    const requests = lengths.map((n, i) => [row(n, i * 100)]);
    const results = await Promise.all(requests.map((rows) => runner.run(rows, ['out'])));
    results.forEach((out, i) => expect(out[0].out.data[0]).toBe(sumOf(requests[i][0])));
    expect(session.runs).toEqual([
      [10, 9, 8],
      [7, 6, 5, 4, 3],
    ]);
    expect(session.peak).toBe(2);
  });

  it('a slot splits its rows by length where a run costs less than the padding it saves', async () => {
    const session = fakeSession();
    const runner = new BatchingRunner(session, SPEC, { maxTokens: 1000, maxRows: 64, runOverheadTokens: 2 });
    const out = await runner.run([row(2), row(10), row(2), row(10), row(2)], ['out']);
    expect(out.map((o) => o.out.data[1])).toEqual([2, 10, 2, 10, 2]);
    expect(session.runs).toEqual([
      [10, 10],
      [2, 2, 2],
    ]);
  });

  it('a request with no rows answers at once', async () => {
    expect(await new BatchingRunner(fakeSession(), SPEC).run([], ['out'])).toEqual([]);
  });
});
