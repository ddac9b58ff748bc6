// Classify and embeddings inside workerd with onnxruntime-web: tiny models (made on the Node side by globalSetup)
// seeded into local R2, the HTTP contract, and every cross-runtime case within 1e-5 of the Node app's answer.
// With hub-golden.test.ts, the only test files that load ORT in workerd (vitest-pool-workers sends the 14 MB .wasm
// slowly).
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/http-contract.ts';
import { defineInferenceContract } from '../support/inference-contract.ts';
import { compareAnswers, INFERENCE_CASES } from '../support/inference-cases.ts';
import { fixture } from './fixtures.ts';

const edgeFetch = (path: string, init?: RequestInit) => SELF.fetch(`http://edge${path}`, init);
/** What inference reads; the safetensors weights stay on the Node side. */
const served = (file: string) => !file.endsWith('.safetensors') && file !== 'node-answers.json';

let answers: unknown[] = [];

beforeAll(async () => {
  const listing = (await (await fixture('/tiny-models')).json()) as { files: string[]; answers: unknown[] };
  answers = listing.answers;
  await Promise.all(
    listing.files.filter(served).map(async (file) => {
      await env.MODELS.put(file, await (await fixture(`/tiny-models/${file}`)).arrayBuffer());
    }),
  );
});

describe('classify and embeddings in workerd match Node (1e-5)', () => {
  it('lists the tiny models', async () => {
    const body = (await (await edgeFetch('/v1/models')).json()) as {
      data: { id: string; capabilities: { embeddings: boolean; classify: boolean } }[];
    };
    expect(body.data.find((m) => m.id === 'tiny-nli')?.capabilities.classify).toBe(true);
    // A classifier's graph gives logits, no hidden states: no embeddings (its /v1/embeddings answers 400).
    expect(body.data.find((m) => m.id === 'tiny-nli')?.capabilities.embeddings).toBe(false);
    expect(body.data.find((m) => m.id === 'tiny-embed')?.capabilities.embeddings).toBe(true);
    expect(body.data.find((m) => m.id === 'tiny-no-onnx')?.capabilities.classify).toBe(false);
    // A causal LM classifies (strategy llm) but gives no embeddings.
    expect(body.data.find((m) => m.id === 'tiny-gpt2')?.capabilities).toEqual({
      tokenize: true,
      embeddings: false,
      classify: true,
    });
    for (const id of ['tiny-llama-untied-past', 'tiny-llama-tied-nocache'])
      expect(body.data.find((m) => m.id === id)?.capabilities).toEqual({
        tokenize: true,
        embeddings: false,
        classify: true,
      });
  });

  INFERENCE_CASES.forEach((c, i) => {
    it(c.name, async () => {
      const res = await post(edgeFetch, c.path, c.body);
      const body = await res.json();
      expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200);
      const diff = compareAnswers(c, answers[i], body);
      expect(diff.problem).toBeNull();
      expect(diff.maxDiff).toBeLessThan(1e-5);
    });
  });
});

describe('HTTP contract of classify and embeddings (workerd)', () => {
  defineInferenceContract(() => edgeFetch);
});
