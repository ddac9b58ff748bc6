// edgeclass inspect: the module tree and what a freeze setting trains, for every architecture. The frozen set is
// checked against PyTorch's own (the fixtures' scenarios[].frozen, requires_grad False in the reference), so the
// view means what training does; the text form through the CLI.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectModelFolder } from '../src/nn/inspect.ts';
import { readSafetensors } from '../src/nn/safetensors.ts';
import { fixtureDirs } from './support/model-golden.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'edgeclass-inspect-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), ...args], { cwd: REPO_ROOT });

describe("inspect: the frozen set is PyTorch's", () => {
  for (const dir of fixtureDirs()) {
    const golden = JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8'));
    for (const scenario of golden.scenarios) {
      it(`${path.basename(dir)} ${scenario.name}`, () => {
        const i = inspectModelFolder(dir, { embeddings: scenario.freeze.embeddings, layers: scenario.freeze.layers });
        const prefix = golden.weights_prefix;
        const ours = i.frozen.map((n) => `${prefix}${n}`).sort();
        expect(ours).toEqual([...scenario.frozen].sort());
        if (scenario.freeze.embeddings || scenario.freeze.layers > 0) expect(i.frozen.length).toBeGreaterThan(0);
      });
    }
  }

  it('counts every parameter of the checkpoint once, tied lm_head left out (llama)', () => {
    for (const dir of fixtureDirs().filter((d) => path.basename(d).startsWith('llama_'))) {
      const tensors = readSafetensors(new Uint8Array(readFileSync(path.join(dir, 'model.safetensors')))).tensors;
      const expected = [...tensors.values()].reduce((a, t) => a + t.data.length, 0);
      const i = inspectModelFolder(dir, { embeddings: true, layers: 1 });
      expect(i.parameters).toBe(expected);
      expect(i.frozen.every((n) => n.startsWith('model.embed_tokens.') || n.startsWith('model.layers.0.'))).toBe(true);
      expect(i.trainable).toContain('model.norm.weight');
    }
  });
});

describe('edgeclass inspect (CLI)', () => {
  it('prints a DistilBERT tree: embeddings and transformer.layer.0 frozen, the rest trains', async () => {
    const out = path.join(root, 'distil');
    await cli(
      'init-model',
      '--arch',
      'distilbert',
      '--layers',
      '2',
      '--hidden',
      '16',
      '--heads',
      '2',
      '--intermediate',
      '32',
      '--labels',
      'neg,pos',
      '--tokenizer',
      path.join(MODELS_DIR, 'bert-base-uncased'),
      '--out',
      out,
    );
    const { stdout } = await cli('inspect', out, '--num-frozen-layers', '1', '--freeze-embeddings');
    const line = (label: string) => stdout.split('\n').find((l) => l.trimStart().startsWith(`${label} `)) ?? '';
    expect(stdout).toMatch(/^distilbert \(DistilBertForSequenceClassification\), encoder, 2 layers/);
    expect(line('embeddings')).toMatch(/frozen$/);
    expect(line('transformer')).toMatch(/partly/);
    expect(line('0')).toMatch(/frozen$/);
    expect(line('1')).toMatch(/trains$/);
    expect(line('pre_classifier')).toMatch(/trains$/);
    const json = JSON.parse(
      (await cli('inspect', out, '--num-frozen-layers', '1', '--freeze-embeddings', '--json')).stdout,
    );
    const tensors = readSafetensors(new Uint8Array(readFileSync(path.join(out, 'model.safetensors')))).tensors;
    const frozenCount = [...tensors]
      .filter(([n]) => /^distilbert\.(embeddings|transformer\.layer\.0)\./.test(n))
      .reduce((a, [, t]) => a + t.data.length, 0);
    expect(json.parameters - json.trainableParameters).toBe(frozenCount);
  });

  it('refuses more frozen layers than the model has', async () => {
    const err = await cli('inspect', path.join(root, 'distil'), '--num-frozen-layers', '3').catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/--num-frozen-layers 3 is more than the model's 2 layers/);
  });
});
