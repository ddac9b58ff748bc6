// Acceptance: a DistilBERT from init-model trains on SST-2 through `edgeclass train` with --num-frozen-layers 1
// --freeze-embeddings: the frozen tensors (DistilBERT's embeddings and transformer.layer.0, by its own names) come
// out bit for bit as they went in, the rest moved, and the output is a DistilBertForSequenceClassification folder
// whose export runs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/nn/safetensors.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';
import { runModel } from './support/ort.ts';

const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const root = mkdtempSync(path.join(os.tmpdir(), 'edgeclass-distil-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), ...args], { cwd: REPO_ROOT });

describe('edgeclass train (distilbert, SST-2)', () => {
  it('trains with the first layer and the embeddings frozen, by DistilBERT names', async () => {
    const base = path.join(root, 'base');
    const out = path.join(root, 'out');
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
      '--tokenizer',
      path.join(MODELS_DIR, 'bert-base-uncased'),
      '--seed',
      '4',
      '--out',
      base,
    );
    const lines = readFileSync(path.join(SST2, 'train.tsv'), 'utf8').trimEnd().split('\n');
    const train = path.join(root, 'train.tsv');
    writeFileSync(train, `${lines.slice(0, 161).join('\n')}\n`);
    const { stdout } = await cli(
      'train',
      '--base',
      base,
      '--train',
      train,
      '--out',
      out,
      '--epochs',
      '1',
      '--batch-size',
      '16',
      '--max-length',
      '24',
      '--learning-rate',
      '1e-3',
      '--num-frozen-layers',
      '1',
      '--freeze-embeddings',
      '--seed',
      '3',
      '--json',
    );
    expect(stdout.length).toBeGreaterThan(0);
    const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('distilbert');
    expect(config.architectures).toEqual(['DistilBertForSequenceClassification']);
    expect(Object.values(config.id2label)).toEqual(['0', '1']);

    const before = readSafetensors(new Uint8Array(readFileSync(path.join(base, 'model.safetensors')))).tensors;
    const after = readSafetensors(new Uint8Array(readFileSync(path.join(out, 'model.safetensors')))).tensors;
    const frozen = /^distilbert\.(embeddings|transformer\.layer\.0)\./;
    let moved = 0;
    for (const [name, t] of before) {
      const same = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(
        Buffer.from(after.get(name)!.data.buffer, after.get(name)!.data.byteOffset, after.get(name)!.data.byteLength),
      );
      if (frozen.test(name)) expect(same, name).toBe(true);
      else if (!same) moved++;
    }
    expect(moved).toBeGreaterThan(10); // transformer.layer.1 (16 tensors) and the head
    expect(after.has('pre_classifier.weight') && after.has('classifier.weight')).toBe(true);

    const ids = BigInt64Array.from([101n, 2023n, 3185n, 102n]);
    const logits = await runModel(
      new Uint8Array(readFileSync(path.join(out, 'onnx/model.onnx'))),
      { input_ids: { data: ids, dims: [1, 4] }, attention_mask: { data: new BigInt64Array(4).fill(1n), dims: [1, 4] } },
      'node',
    );
    expect(logits.logits.dims).toEqual([1, 2]);
  });
});
