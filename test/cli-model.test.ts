// The model commands end to end, as a user runs them: init-model, export (incl. a sentence-transformers folder).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';
import { runModel, type FeedSpec } from './support/ort.ts';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), ...args], {
    env: { ...process.env, HF_HUB_OFFLINE: '1' },
  });
const root = mkdtempSync(path.join(os.tmpdir(), 'edgeclass-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const feeds = (withTypes: boolean): Record<string, FeedSpec> => {
  const ids = { data: BigInt64Array.from([0n, 713n, 16n, 2n]), dims: [1, 4] };
  const ones = { data: BigInt64Array.from([1n, 1n, 1n, 1n]), dims: [1, 4] };
  return withTypes
    ? { input_ids: ids, attention_mask: ones, token_type_ids: { data: new BigInt64Array(4), dims: [1, 4] } }
    : { input_ids: ids, attention_mask: ones };
};

describe('edgeclass init-model / export', () => {
  it('makes a sentence-transformers folder whose export pools and normalizes as its modules say', async () => {
    const out = path.join(root, 'st');
    await cli(
      'init-model',
      '--arch',
      'roberta',
      '--layers',
      '1',
      '--hidden',
      '16',
      '--heads',
      '2',
      '--intermediate',
      '32',
      '--sentence-transformers',
      '--pooling',
      'max',
      '--normalize',
      '--tokenizer',
      path.join(MODELS_DIR, 'roberta-base'),
      '--seed',
      '5',
      '--out',
      out,
    );
    for (const f of [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'modules.json',
      '1_Pooling/config.json',
      'onnx/model.onnx',
    ]) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(path.join(out, '1_Pooling/config.json'), 'utf8')).pooling_mode_max_tokens).toBe(
      true,
    );
    const result = await runModel(
      new Uint8Array(readFileSync(path.join(out, 'onnx/model.onnx'))),
      feeds(false),
      'node',
    );
    expect(result.last_hidden_state.dims).toEqual([1, 4, 16]);
    const e = Array.from(result.sentence_embedding.data as Float32Array);
    expect(Math.abs(Math.hypot(...e) - 1)).toBeLessThan(1e-5);
  });

  it('is deterministic for a seed, and export --task/--out write where asked', async () => {
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    for (const out of [a, b]) {
      await cli(
        'init-model',
        '--arch',
        'bert',
        '--layers',
        '1',
        '--hidden',
        '16',
        '--heads',
        '2',
        '--intermediate',
        '32',
        '--num-labels',
        '3',
        '--tokenizer',
        path.join(MODELS_DIR, 'bert-base-uncased'),
        '--seed',
        '11',
        '--out',
        out,
      );
    }
    expect(
      readFileSync(path.join(a, 'model.safetensors')).equals(readFileSync(path.join(b, 'model.safetensors'))),
    ).toBe(true);
    const elsewhere = path.join(root, 'exported');
    await cli('export', a, '--task', 'feature-extraction', '--pooling', 'cls', '--out', elsewhere);
    const out = await runModel(
      new Uint8Array(readFileSync(path.join(elsewhere, 'onnx/model.onnx'))),
      feeds(true),
      'node',
    );
    expect(out.sentence_embedding.dims).toEqual([1, 16]);
    const logits = await runModel(new Uint8Array(readFileSync(path.join(a, 'onnx/model.onnx'))), feeds(true), 'node');
    expect(logits.logits.dims).toEqual([1, 3]);
  });

  it('bad arguments exit 1 or 2 with a message, no stack trace', async () => {
    const err = await cli('init-model', '--arch', 'gpt', '--tokenizer', 'x', '--out', path.join(root, 'x')).catch(
      (e) => e,
    );
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/--arch must be one of bert, roberta, xlm-roberta, distilbert, gpt2, llama/);
    expect(err.stderr).not.toMatch(/\n\s+at /);
    const missing = await cli('export', path.join(root, 'nothing-here')).catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/config.json/);
  });
});
