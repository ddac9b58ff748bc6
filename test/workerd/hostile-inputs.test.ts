// The hostile-input suite of test/hostile-inputs.test.ts inside workerd (issue 12): the same named cases and the
// same 1,000 fuzzed bodies against the Worker, models in local R2. Every refusal is a 4xx in the error shape within
// 2 s, nothing is a 5xx, and the Worker still serves after. A refused tokenizer is refused again until its R2 object
// changes (its etag), then served at once. Only tokenizer files are seeded: no request here loads onnxruntime-web.
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  eachConcurrently,
  expectErrorShape,
  expectRefusal,
  type FuzzedBody,
  fuzzedBodies,
  hostileCases,
  sendJudged,
} from '../support/hostile-cases.ts';
import { fixture, seedModel } from './fixtures.ts';

/** The acceptance bound of issue 12, per answer; generous for a loaded 2-core machine (refusals take milliseconds). */
const ANSWER_WITHIN_MS = 2000;
const REFUSED = 'refused-tokenizer';

async function send(path: string, body: string) {
  const start = performance.now();
  const res = await SELF.fetch(`http://edge${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - start;
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* checked by the caller */
  }
  return { status: res.status, json, text, ms };
}

let bertTokenizer = '';

beforeAll(async () => {
  for (const id of ['bert-base-uncased', 'roberta-base']) await seedModel(id);
  bertTokenizer = await (await fixture('/models/bert-base-uncased/tokenizer.json')).text();
  const refused = JSON.parse(bertTokenizer);
  refused.pre_tokenizer = { type: 'FixedLength', length: 4 }; // a Rust pre-tokenizer edgeclass refuses by name
  await env.MODELS.put(`${REFUSED}/tokenizer.json`, JSON.stringify(refused));
});

describe('hostile inputs (workerd)', () => {
  for (const c of hostileCases({ bert: 'bert-base-uncased', refused: REFUSED })) {
    it(c.name, async () => {
      const answer = await sendJudged(
        () => send(c.path, c.raw ? (c.body as string) : JSON.stringify(c.body)),
        ANSWER_WITHIN_MS,
      );
      expectRefusal(c, answer.status, answer.json);
      expect(answer.ms, `${c.name}: answered in ${answer.ms.toFixed(0)} ms`).toBeLessThan(ANSWER_WITHIN_MS);
    });
  }

  it('1,000 bodies fuzzed from the schemas: no 5xx, refusals in the error shape within 2 s, still serving', async () => {
    const statuses = new Map<number, number>();
    const slow: FuzzedBody[] = [];
    const check = ({ path, body }: FuzzedBody, answer: Awaited<ReturnType<typeof send>>) => {
      const where = `${path} ${body.slice(0, 200)} -> ${answer.status} ${answer.text.slice(0, 200)}`;
      expect(answer.status, where).toBeLessThan(500);
      if (answer.status >= 400) expectErrorShape(answer.json, where);
      return where;
    };
    // Four at a time: the isolate overlaps their waits (sequential, 1,000 took 7 minutes at load 18; this, one).
    // But a request's time then includes the others' work in the one thread: a slow one is timed again, alone.
    await eachConcurrently(fuzzedBodies(12, 1000), 4, async (item) => {
      const answer = await send(item.path, item.body);
      check(item, answer);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.ms >= ANSWER_WITHIN_MS) slow.push(item);
    });
    let slowest = 0;
    for (const item of slow) {
      const answer = await sendJudged(() => send(item.path, item.body), ANSWER_WITHIN_MS);
      expect(answer.ms, check(item, answer)).toBeLessThan(ANSWER_WITHIN_MS);
      slowest = Math.max(slowest, answer.ms);
    }
    console.log(
      `fuzzed answers by status: ${JSON.stringify(Object.fromEntries(statuses))}; ${slow.length} over 2 s among four at once, timed alone again: slowest ${slowest.toFixed(0)} ms`,
    );
    expect((await SELF.fetch('http://edge/healthz')).status).toBe(200);
  }, 600_000);

  it('a refused tokenizer stays refused until its R2 object changes, then is served at once', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await send('/v1/tokenize', JSON.stringify({ model: REFUSED, inputs: 'Here is some text' }));
      expect(answer.status).toBe(400);
      expect((answer.json as any).error.code).toBe('unsupported_model');
    }
    await env.MODELS.put(`${REFUSED}/tokenizer.json`, bertTokenizer);
    const fixed = await send('/v1/tokenize', JSON.stringify({ model: REFUSED, inputs: 'Here is some text' }));
    expect(fixed.status, fixed.text).toBe(200);
  });
});
