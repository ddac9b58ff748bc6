// One models home for a checkout: several folders (EDGECLASS_MODELS_DIR=models:../shared/models), a model served
// from the first that holds it; and `models sync --local` uploads what serving needs, not a training run's
// checkpoints and optimizer state. Real folders, the real CLI, wrangler's local R2 read back through miniflare.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { afterAll, describe, expect, it } from 'vitest';
import { FsModelStore, resolveModelsDir } from '../src/store/fs-store.ts';
import { REPO_ROOT } from './support/paths.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-models-home-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function folder(dir: string, id: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, id, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, id, file), text);
  }
}

describe('several models folders', () => {
  const mine = path.join(root, 'models');
  const shared = path.join(root, 'shared');
  folder(mine, 'tiny', { 'config.json': '{"mine":1}' });
  folder(mine, 'both', { 'config.json': '{"from":"mine"}' });
  folder(shared, 'both', { 'config.json': '{"from":"shared"}', 'tokenizer.json': '{}' });
  folder(shared, 'org/real', { 'tokenizer.json': '{"real":1}' });

  it('lists the models of every folder once, and reads each from the first folder that holds it', async () => {
    const store = new FsModelStore(`${mine}${path.delimiter}${shared}`);
    expect((await store.list()).map((m) => m.id)).toEqual(['both', 'org/real', 'tiny']);
    expect(await store.readText('both', 'config.json')).toBe('{"from":"mine"}');
    expect(await store.readText('both', 'tokenizer.json')).toBeNull(); // the first folder's model, not a mix
    expect(await store.readText('org/real', 'tokenizer.json')).toBe('{"real":1}');
    expect(store.dir).toBe(mine);
  });

  it('resolves each folder of EDGECLASS_MODELS_DIR against the working directory', () => {
    expect(resolveModelsDir(undefined, { EDGECLASS_MODELS_DIR: `models${path.delimiter}../shared/models` })).toBe(
      [path.resolve('models'), path.resolve('../shared/models')].join(path.delimiter),
    );
  });
});

describe('edgeclass models sync --local', () => {
  it("uploads a trained folder's serving files, not its checkpoints or optimizer state", async () => {
    const models = path.join(root, 'trained');
    folder(models, 'my-sst2', {
      'config.json': '{}',
      'tokenizer.json': '{}',
      'model.safetensors': 'weights',
      'onnx/model.onnx': 'graph',
      'optimizer.safetensors': 'moments',
      'trainer_state.json': '{}',
      'checkpoint-5/model.safetensors': 'old weights',
      'checkpoint-5/optimizer.safetensors': 'old moments',
    });
    const persist = path.join(root, 'state');
    await promisify(execFile)(process.execPath, [
      path.join(REPO_ROOT, 'bin/edgeclass.mjs'),
      'models',
      'sync',
      '--local',
      '--persist-to',
      persist,
      '--models',
      models,
    ]);
    const miniflare = new Miniflare({
      modules: true,
      script: 'export default { fetch() { return new Response(null); } }',
      defaultPersistRoot: path.join(persist, 'v3'),
      r2Buckets: { MODELS: 'edgeclass-models' },
    });
    try {
      const bucket = await miniflare.getR2Bucket('MODELS');
      const keys = (await bucket.list()).objects.map((o) => o.key).sort();
      expect(keys).toEqual([
        'my-sst2/config.json',
        'my-sst2/model.safetensors',
        'my-sst2/onnx/model.onnx',
        'my-sst2/tokenizer.json',
      ]);
    } finally {
      await miniflare.dispose();
    }
  });
});
