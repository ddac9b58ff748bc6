// The InferenceRuntime interface over onnxruntime-node and onnxruntime-web (WASM, loaded as in workerd: a
// precompiled module and a wrapped WebAssembly.instantiate): same graph, same numbers; failures are errors the
// caller can catch, after which the runtime still works; onnxruntime-node's sessions in worker threads likewise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrtNodeRuntime, ortParallelism } from '../src/inference/ort-node.ts';
import { buildFeeds } from '../src/inference/rows.ts';
import type { InferenceRuntime, InferenceSession } from '../src/inference/runtime.ts';
import { createOrtWebRuntimeForNode } from './support/ort-web-node.ts';
import { BROKEN_MODEL, makeFailingModel, makeTinyModel } from './support/tiny-models.ts';

let root: string;
let nliBytes: Uint8Array;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-runtime-'));
  makeTinyModel(root, 'tiny-nli');
  nliBytes = new Uint8Array(fs.readFileSync(path.join(root, 'tiny-nli/onnx/model.onnx')));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const ROWS = [
  { ids: [101, 2182, 2003, 2070, 3793, 102], typeIds: [0, 0, 0, 0, 0, 0] },
  { ids: [101, 7592, 102, 2088, 102], typeIds: [0, 0, 0, 1, 1] },
];
const SPEC = { inputNames: ['input_ids', 'attention_mask', 'token_type_ids'], padId: 0 };

async function logits(session: InferenceSession): Promise<Float32Array> {
  const out = await session.run(buildFeeds(ROWS, SPEC), ['logits']);
  expect(out.logits.dims).toEqual([2, 3]);
  return out.logits.data;
}

describe('InferenceRuntime adapters', () => {
  const runtimes: Record<string, InferenceRuntime> = {};
  beforeAll(() => {
    runtimes.node = createOrtNodeRuntime({ intraOpNumThreads: 1 });
    runtimes['node-workers'] = createOrtNodeRuntime({ intraOpNumThreads: 1, workers: 2 });
    runtimes.web = createOrtWebRuntimeForNode();
  });

  it('onnxruntime-web: concurrent first sessions share one WASM instantiation, and instantiate is restored', async () => {
    const instantiate = WebAssembly.instantiate;
    const sessions = await Promise.all([1, 2, 3].map(() => runtimes.web.createSession(nliBytes)));
    expect(WebAssembly.instantiate).toBe(instantiate);
    const all = await Promise.all(sessions.map(logits));
    for (const l of all) expect(Array.from(l)).toEqual(Array.from(all[0]));
    await Promise.all(sessions.map((s) => s.release()));
  });

  it('node and web give the same logits (1e-5), with the names of the graph', async () => {
    const [node, web] = await Promise.all([
      runtimes.node.createSession(nliBytes),
      runtimes.web.createSession(nliBytes),
    ]);
    for (const s of [node, web]) {
      expect(s.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
      expect(s.outputNames).toEqual(['logits']);
    }
    const [a, b] = [await logits(node), await logits(web)];
    let max = 0;
    a.forEach((v, i) => (max = Math.max(max, Math.abs(v - b[i]))));
    expect(max).toBeLessThan(1e-5);
    await node.release();
    await web.release();
  });

  it('onnxruntime-node in worker threads: the same logits as on the calling thread, two runs at once', async () => {
    const [inThread, pooled] = await Promise.all([
      runtimes.node.createSession(nliBytes),
      runtimes['node-workers'].createSession(nliBytes),
    ]);
    expect(pooled.inputNames).toEqual(inThread.inputNames);
    expect(pooled.outputNames).toEqual(['logits']);
    expect(pooled.concurrentRuns).toBe(2);
    expect(inThread.concurrentRuns).toBeUndefined();
    const expected = Array.from(await logits(inThread));
    // More runs than workers: the rest wait for a free worker, and every run gets its own answer.
    const all = await Promise.all(Array.from({ length: 5 }, () => logits(pooled)));
    for (const l of all) expect(Array.from(l)).toEqual(expected);
    await Promise.all([inThread.release(), pooled.release()]);
    await expect(pooled.run(buildFeeds(ROWS, SPEC))).rejects.toThrow(/released/);
  });

  it('ortParallelism: a single-thread worker per core by default (at most 4), else what the settings say', () => {
    expect(ortParallelism({ ortThreads: 0, ortWorkers: 0 }, 2)).toEqual({ workers: 2, threads: 1 });
    expect(ortParallelism({ ortThreads: 0, ortWorkers: 0 }, 16)).toEqual({ workers: 4, threads: 4 });
    expect(ortParallelism({ ortThreads: 2, ortWorkers: 0 }, 2)).toEqual({ workers: 1, threads: 2 });
    expect(ortParallelism({ ortThreads: 0, ortWorkers: 1 }, 2)).toEqual({ workers: 1, threads: 2 });
    expect(ortParallelism({ ortThreads: 3, ortWorkers: 3 }, 2)).toEqual({ workers: 3, threads: 3 });
  });

  for (const name of ['node', 'node-workers', 'web']) {
    it(`${name}: bytes that are not ONNX are refused with the runtime's message`, async () => {
      await expect(runtimes[name].createSession(new TextEncoder().encode('not a model'))).rejects.toThrow(
        /protobuf parsing failed/,
      );
    });

    it(`${name}: a failed run is an error, and the session runs again afterwards`, async () => {
      const dir = makeFailingModel(path.join(root, name), BROKEN_MODEL);
      const session = await runtimes[name].createSession(
        new Uint8Array(fs.readFileSync(path.join(dir, 'onnx/model.onnx'))),
      );
      const feeds = (id: number) => buildFeeds([{ ids: [101, id, 102], typeIds: [0, 0, 0] }], SPEC);
      await expect(session.run(feeds(5000))).rejects.toThrow(/out of data bounds/);
      const ok = await session.run(feeds(500));
      expect(ok.logits.dims).toEqual([1, 3]);
      await session.release();
    });
  }
});
