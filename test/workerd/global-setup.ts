// Runs in Node before the workerd suite: makes the tiny models (served to the Worker by the FIXTURES binding and
// seeded into R2 by the tests) and the Node app's answers to the cross-runtime cases.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNodeApp } from '../../src/runtime/node.ts';
import { INFERENCE_CASES } from '../support/inference-cases.ts';
import { makeTinyModels } from '../support/tiny-models.ts';

export default async function setup(): Promise<() => void> {
  const root = makeTinyModels(fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-workerd-models-')));
  const app = createNodeApp({ modelsDir: root, pull: { offline: true }, requestLog: null });
  const answers = [];
  for (const c of INFERENCE_CASES) {
    const res = await app.request(c.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(c.body),
    });
    if (res.status !== 200) throw new Error(`${c.name}: the Node app answered ${res.status} ${await res.text()}`);
    answers.push(await res.json());
  }
  fs.writeFileSync(path.join(root, 'node-answers.json'), JSON.stringify(answers));
  process.env.EDGECLASS_TINY_MODELS_DIR = root;
  return () => fs.rmSync(root, { recursive: true, force: true });
}
