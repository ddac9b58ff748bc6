// The remote llm strategy through a Workers AI binding, inside workerd: the client and the strategy use only what
// the Workers runtime has (timers, AbortController, JSON). The binding is a stand-in with the documented
// run(model, inputs) -> { response } interface (Workers AI cannot run offline; the one stand-in allowed).
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { classifyWithRemoteLlm } from '../../src/core/classify/llm-remote.ts';
import { UpstreamError } from '../../src/core/llm/errors.ts';
import { chatClientFromEnv } from '../../src/core/llm/from-env.ts';
import type { WorkersAiBinding } from '../../src/core/llm/workers-ai.ts';
import worker, { type WorkerEnv } from '../../src/runtime/cloudflare-worker.ts';

const LABELS = ['billing', 'bug report', 'feature request'];

function standIn(answer: (inputs: any, n: number) => unknown): WorkersAiBinding & { calls: any[] } {
  const calls: any[] = [];
  return {
    calls,
    async run(model: string, inputs: Record<string, unknown>) {
      calls.push({ model, inputs });
      return answer(inputs, calls.length - 1);
    },
  };
}

describe('llm strategy with the Workers AI binding (workerd)', () => {
  it('classifies, correcting one off-label answer', async () => {
    const ai = standIn((inputs, n) => {
      const text = String(inputs.messages[1].content);
      if (n === 0) return { response: '{"label": "complaint"}' };
      return { response: text.includes('crash') ? { label: 'bug report' } : '{"label": "Billing"}' };
    });
    const client = chatClientFromEnv({ EDGECLASS_LLM_RETRIES: '1' }, ai)!;
    const scores = await classifyWithRemoteLlm(client, ['The app crashes on start', 'I was charged twice'], LABELS, {
      multiLabel: false,
      model: '@cf/meta/llama-3.1-8b-instruct',
      concurrency: 1,
    });
    expect(scores).toEqual([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    expect(ai.calls[0].inputs.response_format.json_schema.properties.label.enum).toEqual(LABELS);
  });

  it('times out a hung binding and answers upstream_error 504', async () => {
    const ai = standIn(() => new Promise(() => {}));
    const client = chatClientFromEnv({ EDGECLASS_LLM_RETRIES: '0', EDGECLASS_LLM_TIMEOUT_MS: '50' }, ai)!;
    const err = await classifyWithRemoteLlm(client, ['x'], LABELS, { multiLabel: true, model: 'm' }).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.status).toBe(504);
    expect(err.toErrorBody()).toEqual({
      error: { type: 'server_error', code: 'upstream_error', message: expect.stringMatching(/50 ms/), param: null },
    });
  });
});

describe('POST /v1/classify strategy llm through the AI binding (workerd)', () => {
  const MODEL = '@cf/meta/llama-3.1-8b-instruct';
  /** The Worker's own fetch handler, with the stand-in bound as AI and the model listed. */
  async function classify(ai: WorkersAiBinding, body: unknown): Promise<{ status: number; body: any }> {
    const ctx = createExecutionContext();
    const bindings = {
      ...(env as unknown as WorkerEnv),
      AI: ai,
      EDGECLASS_LLM_MODELS: MODEL,
      EDGECLASS_LLM_RETRIES: '0',
    };
    const res = await worker.fetch(
      new Request('http://edge/v1/classify', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
      bindings,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { status: res.status, body: await res.json() };
  }

  it("forwards a listed model to the binding and ranks its choice first; usage is the binding's tokens", async () => {
    const ai = standIn((inputs) => ({
      response: { label: String(inputs.messages[1].content).includes('charged') ? 'billing' : 'bug report' },
      usage: { prompt_tokens: 40, completion_tokens: 6, total_tokens: 46 },
    }));
    const { status, body } = await classify(ai, {
      model: MODEL,
      inputs: ['I was charged twice', 'It crashes'],
      labels: LABELS,
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.strategy).toBe('llm');
    expect(body.results.map((r: { labels: string[] }) => r.labels[0])).toEqual(['billing', 'bug report']);
    expect(body.usage).toEqual({ tokens: 92 });
    expect(ai.calls.map((c) => c.model)).toEqual([MODEL, MODEL]);
  });

  it('an answer off the labels twice is a 502 upstream_error', async () => {
    const ai = standIn(() => ({ response: '{"label": "complaint"}' }));
    const { status, body } = await classify(ai, { model: MODEL, inputs: 'x', labels: LABELS, strategy: 'llm' });
    expect(status).toBe(502);
    expect(body.error).toEqual({
      type: 'server_error',
      code: 'upstream_error',
      message: expect.stringMatching(/unusable twice/),
      param: null,
    });
  });
});
