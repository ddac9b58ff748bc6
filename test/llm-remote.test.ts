// The remote llm strategy against a local server speaking the OpenAI chat-completions protocol (the only stand-in
// allowed: the real API is outside), and against a stand-in Workers AI binding (workerd has no offline AI).
// Every scripted behaviour: valid label, off-label text, malformed JSON, 500 then success, too slow, 429 with
// Retry-After, a wrong key, a body that is not the protocol, an unreachable endpoint.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { classifyWithRemoteLlm } from '../src/core/classify/llm-remote.ts';
import { parseAnswer } from '../src/core/classify/llm-prompt.ts';
import type { ChatClient } from '../src/core/llm/chat.ts';
import { UpstreamError } from '../src/core/llm/errors.ts';
import { chatClientFromEnv } from '../src/core/llm/from-env.ts';
import { OpenAiChatClient } from '../src/core/llm/openai.ts';
import { retryAfterMs } from '../src/core/llm/retry.ts';
import { WorkersAiChatClient, type WorkersAiBinding } from '../src/core/llm/workers-ai.ts';
import { askedText, inOrder, startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.ts';

const KEY = 'sk-test-edgeclass-0123456789';
const LABELS = ['positive', 'negative', 'neutral'];
const fast = { baseDelayMs: 5, maxDelayMs: 20 };

let server: FakeOpenAi;
const client = (o: Partial<ConstructorParameters<typeof OpenAiChatClient>[0]> = {}) =>
  new OpenAiChatClient({ baseUrl: server.baseUrl, apiKey: KEY, timeoutMs: 2000, retry: fast, ...o });
const classify = (
  inputs: string[],
  o: { multiLabel?: boolean; timeoutMs?: number; retries?: number } = {},
  c: ChatClient = client(),
  labels = LABELS,
) =>
  classifyWithRemoteLlm(c, inputs, labels, {
    multiLabel: o.multiLabel ?? false,
    model: 'gpt-test',
    timeoutMs: o.timeoutMs,
    retries: o.retries,
  });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected an UpstreamError');
    },
    (e) => e as UpstreamError,
  );

beforeAll(async () => {
  server = await startFakeOpenAi({ apiKey: KEY, reply: () => ({ content: '{"label": "positive"}' }) });
});
afterEach(async () => {
  // A failed request cancels its siblings, but a cancelled call may still reach the server: let it land first.
  await new Promise((resolve) => setTimeout(resolve, 50));
  server.requests.length = 0;
});
afterAll(() => server.close());

describe('remote llm over the OpenAI protocol', () => {
  it('sends the labels, temperature 0, JSON mode and the key; a valid answer scores 1 for its label', async () => {
    server.setReply((body) => ({
      content: JSON.stringify({ label: askedText(body).includes('awful') ? 'negative' : 'positive' }),
    }));
    expect(await classify(['I loved it', 'an awful film'])).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(server.requests).toHaveLength(2);
    const { authorization, body } = server.requests[0];
    expect(authorization).toBe(`Bearer ${KEY}`);
    expect(body.model).toBe('gpt-test');
    expect(body.temperature).toBe(0);
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[1].content).toContain(JSON.stringify(LABELS));
    expect(typeof body.max_tokens).toBe('number');
  });

  it('constrains decoding with a json_schema enum where the endpoint supports it', async () => {
    server.setReply(() => ({ content: '{"labels": ["neutral", "positive"]}' }));
    expect(await classify(['meh'], { multiLabel: true }, client({ responseFormat: 'json_schema' }))).toEqual([
      [1, 0, 1],
    ]);
    const rf = server.requests[0].body.response_format!;
    expect(rf.type).toBe('json_schema');
    expect(rf.json_schema!.strict).toBe(true);
    expect(rf.json_schema!.schema.properties.labels.items.enum).toEqual(LABELS);
    server.setReply(() => ({ content: '{"label": "neutral"}' }));
    await classify(['x'], {}, client({ responseFormat: 'none' }));
    expect(server.requests[1].body.response_format).toBeUndefined();
  });

  it('matches labels after trimming and case-folding, and reads multi-label lists (empty included)', async () => {
    server.setReply(() => ({ content: '  {"label": " Negative "}\n' }));
    expect(await classify(['a'])).toEqual([[0, 1, 0]]);
    server.setReply(() => ({ content: '{"labels": []}' }));
    expect(await classify(['a'], { multiLabel: true })).toEqual([[0, 0, 0]]);
    server.setReply(() => ({ content: '{"labels": ["NEUTRAL", "neutral"]}' }));
    expect(await classify(['a'], { multiLabel: true })).toEqual([[0, 0, 1]]);
  });

  it('an off-label answer gets one corrective follow-up that quotes it', async () => {
    server.setReply(inOrder({ content: '{"label": "mixed feelings"}' }, { content: '{"label": "neutral"}' }));
    expect(await classify(['so-so'])).toEqual([[0, 0, 1]]);
    expect(server.requests).toHaveLength(2);
    const followUp = server.requests[1].body.messages;
    expect(followUp.at(-2)).toEqual({ role: 'assistant', content: '{"label": "mixed feelings"}' });
    expect(followUp.at(-1)!.role).toBe('user');
    expect(followUp.at(-1)!.content).toMatch(/"mixed feelings" is not one of the labels/);
  });

  it('off-label twice is an upstream_error (502) naming the input', async () => {
    server.setReply(() => ({ content: 'Positive, definitely.' }));
    const err = await failure(classify(['ok', 'fine']));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe('bad_answer');
    expect(err.status).toBe(502);
    expect(err.toErrorBody().error.code).toBe('upstream_error');
    expect(err.message).toMatch(/inputs\[\d\] was unusable twice/);
  });

  it('malformed JSON is corrected once, then refused', async () => {
    server.setReply(inOrder({ content: '{"label": "positive"' }, { content: '{"label": "positive"}' }));
    expect(await classify(['good'])).toEqual([[1, 0, 0]]);
    expect(server.requests[1].body.messages.at(-1)!.content).toMatch(/not a JSON object/);
    server.requests.length = 0;
    server.setReply(() => ({ content: '```json\n{"label": "positive"}\n```' }));
    const err = await failure(classify(['good']));
    expect(err.failure).toBe('bad_answer');
    expect(server.requests).toHaveLength(2);
    server.setReply(() => ({ content: '{"labels": ["positive", "sarcastic"]}' }));
    expect((await failure(classify(['good'], { multiLabel: true }))).message).toMatch(
      /"sarcastic" is not one of the labels/,
    );
  });

  it('500 then success: the transport retries', async () => {
    server.setReply(
      inOrder(
        { status: 500, message: 'The server had an error while processing your request.' },
        { content: '{"label": "neutral"}' },
      ),
    );
    expect(await classify(['x'])).toEqual([[0, 0, 1]]);
    expect(server.requests).toHaveLength(2);
  });

  it('5xx on every attempt: retries are bounded, then upstream_error with the status', async () => {
    server.setReply(() => ({ status: 503, message: 'overloaded' }));
    const err = await failure(classify(['x'], { retries: 2 }));
    expect(server.requests).toHaveLength(3);
    expect(err.failure).toBe('http_error');
    expect(err.upstreamStatus).toBe(503);
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/503: overloaded/);
  });

  it('too slow: each attempt times out, then 504; a slow first attempt is retried', async () => {
    // Replies that never come in the test's time: only the client's own timeouts can end the call.
    server.setReply(() => ({ delayMs: 600_000, then: { content: '{"label": "positive"}' } }));
    const err = await failure(classify(['x'], { timeoutMs: 150, retries: 1 }));
    expect(err.failure).toBe('timeout');
    expect(err.status).toBe(504);
    expect(server.requests).toHaveLength(2);
    expect(server.requests.some((r) => r.answered)).toBe(false);
    await vi.waitFor(() => expect(server.requests.every((r) => r.abandoned)).toBe(true), { timeout: 10_000 });
    server.requests.length = 0;
    server.setReply(
      inOrder({ delayMs: 1500, then: { content: '{"label": "negative"}' } }, { content: '{"label": "positive"}' }),
    );
    expect(await classify(['x'], { timeoutMs: 150 })).toEqual([[1, 0, 0]]);
  });

  it('429 with Retry-After: waits as asked, then succeeds', async () => {
    server.setReply(
      inOrder(
        { status: 429, message: 'Rate limit reached', headers: { 'retry-after': '1' } },
        { content: '{"label": "positive"}' },
      ),
    );
    const started = Date.now();
    expect(await classify(['x'])).toEqual([[1, 0, 0]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    server.requests.length = 0;
    server.setReply(
      inOrder({ status: 429, headers: { 'retry-after-ms': '200' } }, { content: '{"label": "neutral"}' }),
    );
    const again = Date.now();
    expect(await classify(['x'])).toEqual([[0, 0, 1]]);
    expect(Date.now() - again).toBeGreaterThanOrEqual(190);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(Date.now() + 3000).toUTCString() }))).toBeGreaterThan(
      1000,
    );
  });

  it('a wrong key is not retried, and the error does not echo the key', async () => {
    const err = await failure(classify(['x'], {}, client({ apiKey: 'sk-wrong-key-987654' })));
    expect(server.requests).toHaveLength(0); // the server refused it before recording
    expect(err.upstreamStatus).toBe(401);
    expect(err.message).toMatch(/401: Incorrect API key/);
    expect(err.message).not.toContain('sk-wrong-key-987654');
  });

  it('a 200 that is not a chat.completion is a bad_response, not retried', async () => {
    server.setReply(() => ({ raw: '<html>gateway</html>' }));
    const err = await failure(classify(['x']));
    expect(err.failure).toBe('bad_response');
    expect(server.requests).toHaveLength(1);
  });

  it('an unreachable endpoint is retried, then upstream_error', async () => {
    const dead = await startFakeOpenAi({ reply: () => ({ content: '' }) });
    const url = dead.baseUrl;
    await dead.close();
    const err = await failure(classify(['x'], { retries: 1 }, client({ baseUrl: url })));
    expect(err.failure).toBe('unreachable');
    expect(err.status).toBe(502);
  });

  it('keeps the input order with many inputs in flight', async () => {
    server.setReply((body) => ({
      delayMs: Number(askedText(body)) % 7,
      then: { content: JSON.stringify({ label: LABELS[Number(askedText(body)) % 3] }) },
    }));
    const inputs = Array.from({ length: 20 }, (_, i) => String(i));
    const scores = await classify(inputs);
    scores.forEach((row, i) => expect(row.indexOf(1)).toBe(i % 3));
  });

  it('a failed input loses the request at once: calls still in flight are cancelled', async () => {
    // The slow replies never come in the test's time (nor does the 10 minute timeout): the call can only end on the
    // bad answer, and the slow calls only close if the client cancels them.
    server.setReply((body) =>
      askedText(body) === 'slow'
        ? { delayMs: 600_000, then: { content: '{"label": "positive"}' } }
        : { content: '{"label": "not a label"}' },
    );
    const err = await failure(classify(['slow', 'bad', 'slow', 'slow', 'slow', 'slow'], { timeoutMs: 600_000 }));
    expect(err.failure).toBe('bad_answer');
    const slow = () => server.requests.filter((r) => askedText(r.body) === 'slow');
    expect(slow().some((r) => r.answered)).toBe(false);
    await vi.waitFor(() => expect(slow().every((r) => r.abandoned)).toBe(true), { timeout: 10_000 });
    // Only the first four inputs (the concurrency) were ever asked about.
    expect(new Set(server.requests.map((r) => askedText(r.body))).size).toBeLessThanOrEqual(2);
    expect(server.requests.filter((r) => askedText(r.body) === 'slow').length).toBeLessThanOrEqual(3);
  });

  it('the client from the environment reads the key from its secret', async () => {
    server.setReply(() => ({ content: '{"label": "positive"}' }));
    const c = chatClientFromEnv({
      EDGECLASS_LLM_BASE_URL: server.baseUrl,
      EDGECLASS_LLM_API_KEY: KEY,
      EDGECLASS_LLM_RETRIES: '0',
    });
    expect(await classify(['x'], {}, c!)).toEqual([[1, 0, 0]]);
    expect(server.requests[0].authorization).toBe(`Bearer ${KEY}`);
    expect(chatClientFromEnv({})).toBeNull();
    expect(() => chatClientFromEnv({ EDGECLASS_LLM_API_KEY: 'k', EDGECLASS_LLM_TIMEOUT_MS: 'soon' })).toThrow(
      /EDGECLASS_LLM_TIMEOUT_MS/,
    );
  });
});

describe('strict answer parsing', () => {
  it.each([
    ['{"label": "positive"}', false, [0]],
    ['{"label": "POSITIVE", "confidence": 0.9}', false, [0]],
    ['{"labels": ["neutral", "Positive"]}', true, [0, 2]],
  ] as const)('%s', (answer, multi, indices) => {
    expect(parseAnswer(answer, LABELS, multi)).toEqual({ ok: true, indices });
  });

  it.each([
    ['positive', false, /not a JSON object/],
    ['["positive"]', false, /not a JSON object/],
    ['{"label": 1}', false, /no "label" string/],
    ['{"answer": "positive"}', false, /no "label" string/],
    ['{"label": "pos"}', false, /not one of the labels/],
    ['{"labels": "positive"}', true, /no "labels" array/],
    ['{"label": "positive"}', true, /no "labels" array/],
  ] as const)('refuses %s', (answer, multi, reason) => {
    const parsed = parseAnswer(answer, LABELS, multi);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('labels that differ only in case must match exactly', () => {
    expect(parseAnswer('{"label": "Apple"}', ['apple', 'Apple'], false)).toEqual({ ok: true, indices: [1] });
    expect(parseAnswer('{"label": "APPLE"}', ['apple', 'Apple'], false).ok).toBe(false);
  });
});

/** A stand-in for env.AI with the binding's documented run(model, inputs) -> { response }. */
function fakeAi(answer: (inputs: any, n: number) => unknown | Promise<unknown>) {
  const calls: { model: string; inputs: any }[] = [];
  const binding: WorkersAiBinding = {
    async run(model, inputs) {
      calls.push({ model, inputs });
      return answer(inputs, calls.length - 1);
    },
  };
  return { binding, calls };
}

describe('remote llm through the Workers AI binding (stand-in binding)', () => {
  const MODEL = '@cf/meta/llama-3.1-8b-instruct';
  const run = (binding: WorkersAiBinding, inputs: string[], multiLabel = false, timeoutMs?: number) =>
    classifyWithRemoteLlm(new WorkersAiChatClient(binding, { retry: fast }), inputs, LABELS, {
      multiLabel,
      model: MODEL,
      timeoutMs,
    });

  it('calls run(model, { messages, max_tokens, temperature, response_format }) and reads { response }', async () => {
    const ai = fakeAi(() => ({ response: '{"label": "negative"}' }));
    expect(await run(ai.binding, ['bad'])).toEqual([[0, 1, 0]]);
    const [{ model, inputs }] = ai.calls;
    expect(model).toBe(MODEL);
    expect(inputs.temperature).toBe(0);
    expect(inputs.max_tokens).toBeGreaterThan(0);
    expect(inputs.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    expect(inputs.response_format).toEqual({
      type: 'json_schema',
      json_schema: expect.objectContaining({ required: ['label'] }),
    });
    expect(inputs.response_format.json_schema.properties.label.enum).toEqual(LABELS);
  });

  it('takes the object JSON mode returns already parsed', async () => {
    const ai = fakeAi(() => ({ response: { labels: ['positive', 'neutral'] } }));
    expect(await run(ai.binding, ['x'], true)).toEqual([[1, 0, 1]]);
  });

  it('corrects an off-label answer once, then fails with upstream_error', async () => {
    const ai = fakeAi((_, n) => ({ response: n === 0 ? '{"label": "great"}' : '{"label": "positive"}' }));
    expect(await run(ai.binding, ['x'])).toEqual([[1, 0, 0]]);
    expect(ai.calls[1].inputs.messages.at(-1).content).toMatch(/"great" is not one of the labels/);
    const never = fakeAi(() => ({ response: 'I think it is positive' }));
    expect((await failure(run(never.binding, ['x']))).failure).toBe('bad_answer');
  });

  it('retries a thrown error (capacity), bounded; a hung call times out', async () => {
    const flaky = fakeAi((_, n) => {
      if (n === 0) throw new Error('3040: Capacity temporarily exceeded, please try again.');
      return { response: '{"label": "neutral"}' };
    });
    expect(await run(flaky.binding, ['x'])).toEqual([[0, 0, 1]]);
    const down = fakeAi(() => {
      throw new Error('3040: Capacity temporarily exceeded');
    });
    const err = await failure(run(down.binding, ['x']));
    expect(down.calls).toHaveLength(3);
    expect(err.message).toMatch(/3040/);
    const hung = fakeAi(() => new Promise(() => {}));
    const slow = await failure(run(hung.binding, ['x'], false, 50));
    expect(slow.failure).toBe('timeout');
    expect(slow.status).toBe(504);
  });

  it('a result without "response" is a bad_response', async () => {
    const odd = fakeAi(() => ({ result: 'nope' }));
    expect((await failure(run(odd.binding, ['x']))).failure).toBe('bad_response');
  });

  it('chatClientFromEnv picks the binding when there is no base URL', async () => {
    const ai = fakeAi(() => ({ response: '{"label": "positive"}' }));
    const c = chatClientFromEnv({}, ai.binding)!;
    expect(c).toBeInstanceOf(WorkersAiChatClient);
    expect(await classifyWithRemoteLlm(c, ['x'], LABELS, { multiLabel: false, model: MODEL })).toEqual([[1, 0, 0]]);
  });
});
