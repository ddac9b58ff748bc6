// Acceptance: the local LLM's logits equal transformers.js AutoModelForCausalLM's on the same tiny GPT-2 export,
// within 1e-5. Ours: edgeclass's tokenizer, the CausalLm the llm strategy uses (its feeds: padding, position ids),
// onnxruntime-node (and -web). Theirs: transformers.js loading the folder from a local path, offline, tokenizing
// with its own tokenizer and running the model as a decoder (its position ids, its session).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpt2CausalLm } from '../src/core/classify/llm-local.ts';
import { initGpt2Model } from '../src/nn/gpt2-init.ts';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { MODELS_DIR } from './support/paths.ts';
import { openSession } from './support/ort-session.ts';
import { BACKENDS } from './support/ort.ts';

const TEXTS = ['Here is some text to encode', 'A second, longer sentence about the weather in Paris.', 'short'];
let root: string;
let transformers: typeof import('@huggingface/transformers');

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'edgeclass-tjs-gpt2-'));
  transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = root;
  transformers.env.useFSCache = false;
  initGpt2Model({
    layers: 2,
    hidden: 32,
    heads: 4,
    tokenizerDir: path.join(MODELS_DIR, 'roberta-base'),
    seed: 13,
    std: 0.2,
    out: path.join(root, 'tiny-gpt2'),
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('transformers.js parity (gpt2, AutoModelForCausalLM)', () => {
  it('tokenizes as transformers.js does', async () => {
    const theirs = await transformers.AutoTokenizer.from_pretrained('tiny-gpt2');
    const ours = Tokenizer.fromJson(JSON.parse(readFileSync(path.join(root, 'tiny-gpt2', 'tokenizer.json'), 'utf8')));
    for (const text of [...TEXTS, ' leading space', 'émoji 🙂 and\nnewlines']) {
      expect(ours.encode(text).ids).toEqual(theirs.encode(text));
    }
  });

  for (const backend of BACKENDS) {
    it(`logits equal within 1e-5 on a padded batch (ours in onnxruntime-${backend})`, async () => {
      const dir = path.join(root, 'tiny-gpt2');
      const tokenizer = await transformers.AutoTokenizer.from_pretrained('tiny-gpt2');
      const model = await transformers.AutoModelForCausalLM.from_pretrained('tiny-gpt2', { dtype: 'fp32' });
      const encoded = tokenizer(TEXTS, { padding: true });
      const theirs = (await model(encoded)).logits;
      await model.dispose();

      const session = await openSession(new Uint8Array(readFileSync(path.join(dir, 'onnx/model.onnx'))), backend);
      const ourTokenizer = Tokenizer.fromJson(JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
      const lm = createGpt2CausalLm(
        JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')),
        ourTokenizer,
        session.run,
        { inputNames: session.inputNames, prependBos: false },
      );
      const ours = await lm.logits(TEXTS.map((t) => lm.encode(t)));
      await session.release();

      // transformers.js pads on the right with the pad token; our rows are the same ids, padded alike.
      const theirIds = (encoded.input_ids.tolist() as bigint[][]).map((row, b) =>
        row
          .slice(0, Number((encoded.attention_mask.tolist() as bigint[][])[b].reduce((a, m) => a + m, 0n)))
          .map(Number),
      );
      expect(theirIds).toEqual(TEXTS.map((t) => lm.encode(t)));
      expect(ours.dims).toEqual(theirs.dims);
      const a = ours.data;
      const b = theirs.data as Float32Array;
      const [B, T, V] = ours.dims;
      const lengths = theirIds.map((r) => r.length);
      let maxDiff = 0;
      let maxAbs = 0;
      for (let row = 0; row < B; row++) {
        for (let t = 0; t < lengths[row]; t++) {
          // real positions; padded ones have no meaning (and differ by pad id)
          for (let v = 0; v < V; v++) {
            const i = (row * T + t) * V + v;
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            maxAbs = Math.max(maxAbs, Math.abs(b[i]));
          }
        }
      }
      expect(maxAbs).toBeGreaterThan(0.5);
      expect(maxDiff).toBeLessThan(1e-5);
    });
  }
});
