// The tokenizer HTTP contract against the Node app, models from EDGECLASS_MODELS_DIR (default ../shared/models).
import { createNodeApp } from '../src/runtime/node.ts';
import { defineTokenizerContract } from './support/http-contract.ts';
import { MODELS_DIR } from './support/paths.ts';

const app = createNodeApp({ modelsDir: MODELS_DIR, pull: { offline: true } });
defineTokenizerContract(() => (path, init) => Promise.resolve(app.request(path, init)));
