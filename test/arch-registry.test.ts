// The architecture registry (src/nn/arch/): one module per model_type, unknown types refused with the list; and each
// module's names are Hugging Face's, checked against the PyTorch fixtures' own checkpoints: the tensors init-model
// makes, written with the ...ForSequenceClassification / ...ForCausalLM names, are exactly the fixture's, name for
// name and shape for shape; configs round-trip in each architecture's own keys.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { architecture, MODEL_TYPES, parseModelConfig, readModelConfig, toHfConfigJson } from '../src/nn/arch/index.ts';
import { readModelFolder, writeModelFolder } from '../src/nn/folder.ts';
import { initWeights } from '../src/nn/init.ts';
import { parseLlamaConfig } from '../src/nn/llama-config.ts';
import { initLlamaWeights } from '../src/nn/llama-folder.ts';
import { canonicalLlamaWeightNames, validateLlamaWeights } from '../src/nn/llama.ts';
import { readSafetensors } from '../src/nn/safetensors.ts';
import { hfCheckpointNames } from '../src/nn/weights.ts';
import { fixtureDirs } from './support/model-golden.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-arch-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const shapesOf = (m: Map<string, { shape: number[] }>) =>
  Object.fromEntries([...m].map(([n, t]) => [n, t.shape]).sort(([a], [b]) => (a < b ? -1 : 1)));

describe('the registry', () => {
  it('has one module per model_type, each under its own key', () => {
    expect(MODEL_TYPES).toEqual(['bert', 'roberta', 'xlm-roberta', 'distilbert', 'gpt2', 'llama']);
    for (const t of MODEL_TYPES) expect(architecture(t).modelType).toBe(t);
  });

  it('refuses an unknown model_type with the list of known ones', () => {
    expect(() => architecture('albert')).toThrow(
      /"model_type" must be one of bert, roberta, xlm-roberta, distilbert, gpt2, llama, got "albert"/,
    );
    expect(() => architecture(undefined)).toThrow(/got nothing/);
    expect(() => architecture('__proto__')).toThrow(/got "__proto__"/);
  });
});

describe('Llama checkpoint names in', () => {
  it('LlamaModel bare names get model., rotary buffers and a tied lm_head copy are dropped', () => {
    for (const dir of fixtureDirs().filter((d) => path.basename(d).startsWith('llama_'))) {
      const config = parseLlamaConfig(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
      const theirs = readSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, 'model.safetensors')))).tensors;
      const variant = new Map([...theirs].map(([n, t]) => [n.replace(/^model\./, ''), t]));
      variant.set('layers.0.self_attn.rotary_emb.inv_freq', {
        shape: [config.headDim / 2],
        data: new Float32Array(config.headDim / 2),
      });
      if (config.tieWordEmbeddings) variant.set('lm_head.weight', theirs.get('model.embed_tokens.weight')!);
      const canonical = canonicalLlamaWeightNames(variant, config);
      expect([...canonical.keys()].sort()).toEqual([...theirs.keys()].sort());
      expect(() => validateLlamaWeights(canonical, config)).not.toThrow();
      canonical.delete('model.norm.weight');
      expect(() => validateLlamaWeights(canonical, config)).toThrow(/missing "model\.norm\.weight"/);
    }
  });
});

describe('Hugging Face names, per fixture', () => {
  for (const dir of fixtureDirs()) {
    const name = path.basename(dir);
    const golden = JSON.parse(fs.readFileSync(path.join(dir, 'golden.json'), 'utf8'));
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const theirs = readSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, 'model.safetensors')))).tensors;

    it(`${name}: init-model's checkpoint has the fixture's tensor names and shapes`, () => {
      const { arch } = readModelConfig(json);
      expect(arch.modelType).toBe(golden.model_type);
      if (arch.family === 'encoder') {
        const c = parseModelConfig(json);
        const ours = hfCheckpointNames(initWeights(c, { seed: 1, head: 'hf_seqcls', pooler: false }), c.modelType);
        expect(shapesOf(ours)).toEqual(shapesOf(theirs));
      } else {
        expect(shapesOf(initLlamaWeights(parseLlamaConfig(json), 1))).toEqual(shapesOf(theirs));
      }
    });

    if (golden.task !== 'causal-lm') {
      it(`${name}: config.json and weights round-trip through a folder in the architecture's own keys`, () => {
        const c = parseModelConfig(json);
        const out = path.join(root, name);
        const weights = readModelFolder(dir).weights;
        writeModelFolder(out, { config: c, weights });
        const written = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
        // Every key the fixture's config.json has is written back with its value (transformers' keys, not ours).
        for (const [k, v] of Object.entries(json)) if (k !== 'num_labels') expect(written[k], k).toEqual(v);
        expect(toHfConfigJson(parseModelConfig(written))).toEqual(written);
        const back = readSafetensors(new Uint8Array(fs.readFileSync(path.join(out, 'model.safetensors')))).tensors;
        expect(shapesOf(back)).toEqual(shapesOf(theirs));
      });
    }
  }
});
