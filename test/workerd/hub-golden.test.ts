// Every Hub-style folder of EDGECLASS_HUB_GOLDEN_DIR (encoders exported by PyTorch, onnx-community Llama decoders)
// served inside workerd by onnxruntime-web gives the reference answers, judged as check_serving.mjs judges them.
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { hubAnswerProblem, type HubRequest } from '../support/hub-answers.ts';
import { fixture } from './fixtures.ts';

const edgeFetch = (path: string, init?: RequestInit) => SELF.fetch(`http://edge${path}`, init);
/** The graph without a cache is not what the folder serves; the reference is the judge's, not the Worker's. */
const served = (file: string) => file !== 'reference.json' && file !== 'onnx/model_nocache.onnx';

let folders: { name: string; files: string[] }[] = [];

beforeAll(async () => {
  folders = (await (await fixture('/hub')).json()) as typeof folders;
  for (const { name, files } of folders) {
    for (const file of files.filter(served)) {
      await env.MODELS.put(`${name}/${file}`, await (await fixture(`/hub/${name}/${file}`)).arrayBuffer());
    }
  }
});

describe('Hub golden folders in workerd', () => {
  it('finds folders', () => {
    expect(folders.length).toBeGreaterThan(0);
  });

  it('every folder gives the reference answers', async () => {
    const problems: string[] = [];
    for (const { name } of folders) {
      const reference = (await (await fixture(`/hub/${name}/reference.json`)).json()) as { requests: HubRequest[] };
      for (const request of reference.requests.filter((r) => !r.diagnostic)) {
        const res = await edgeFetch(request.route, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...request.body, model: name }),
        });
        const problem = hubAnswerProblem(request, res.status, await res.json());
        if (problem) problems.push(`${name} ${request.id}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
