// The classify and embeddings HTTP contract against the Node app (onnxruntime-node, cross-request batching), over
// tiny models made in a temp directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { createNodeApp } from '../src/runtime/node.ts';
import { defineInferenceContract } from './support/inference-contract.ts';
import { makeTinyModels } from './support/tiny-models.ts';

const root = makeTinyModels(fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-http-inference-')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const app = createNodeApp({ modelsDir: root, pull: { offline: true } });
defineInferenceContract(() => (p, init) => Promise.resolve(app.request(p, init)));
