// FsModelStore over the real tokenizer folders (../shared/models, or EDGECLASS_MODELS_DIR) and over a small
// temporary layout for the cases the shared folder does not have (org/name ids, hidden and partial files).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsModelStore, resolveModelsDir } from '../src/store/fs-store.ts';
import { InvalidModelPathError } from '../src/store/model-store.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const sharedModelsDir = process.env.EDGECLASS_MODELS_DIR ?? path.resolve(repoRoot, '../shared/models');

describe('FsModelStore over the shared models', () => {
  const store = new FsModelStore(sharedModelsDir);

  it('lists the model folders with their files', async () => {
    const models = await store.list();
    const bert = models.find((m) => m.id === 'bert-base-uncased');
    const roberta = models.find((m) => m.id === 'roberta-base');
    expect(bert?.files).toEqual(expect.arrayContaining(['config.json', 'tokenizer.json', 'tokenizer_config.json']));
    expect(roberta?.files).toEqual(expect.arrayContaining(['merges.txt', 'vocab.json', 'tokenizer.json']));
    expect(models.map((m) => m.id)).toEqual([...models.map((m) => m.id)].sort());
  });

  it('reads files as bytes and as text', async () => {
    const bytes = await store.readBytes('bert-base-uncased', 'tokenizer.json');
    const onDisk = await readFile(path.join(sharedModelsDir, 'bert-base-uncased', 'tokenizer.json'));
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes!).equals(onDisk)).toBe(true);
    const config = JSON.parse((await store.readText('roberta-base', 'config.json'))!);
    expect(config.model_type).toBe('roberta');
  });

  it('answers null for an absent model or file', async () => {
    expect(await store.readBytes('no-such-model', 'config.json')).toBeNull();
    expect(await store.readText('bert-base-uncased', 'onnx/model.onnx')).toBeNull();
    expect(await store.readBytes('bert-base-uncased', 'config.json/inner')).toBeNull();
  });

  it('refuses ids and paths that could leave the models directory', async () => {
    const attempts: Array<[string, string]> = [
      ['bert-base-uncased', '../roberta-base/config.json'],
      ['bert-base-uncased', '/etc/passwd'],
      ['bert-base-uncased', 'onnx/../../roberta-base/vocab.json'],
      ['bert-base-uncased', '..\\roberta-base\\vocab.json'],
      ['bert-base-uncased', ''],
      ['..', 'shared/models/bert-base-uncased/config.json'],
      ['org/../bert-base-uncased', 'config.json'],
      ['a/b/c', 'config.json'],
      ['/etc', 'passwd'],
    ];
    for (const [id, file] of attempts) {
      await expect(store.readBytes(id, file), `${id} ${file}`).rejects.toBeInstanceOf(InvalidModelPathError);
    }
  });

  it('says how to provide a missing model', () => {
    expect(store.howToProvide).toContain('edgeclass models pull <id>');
    expect(store.howToProvide).toContain('EDGECLASS_MODELS_DIR');
    // Said to clients in errors: the server's own directory is not named there.
    expect(store.howToProvide).not.toContain(store.dir);
  });
});

describe('FsModelStore layout rules', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'edgeclass-store-'));
    const put = async (file: string, text = '{}') => {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    };
    await put('plain/config.json');
    await put('plain/onnx/model.onnx', 'onnx');
    await put('plain/1_Pooling/config.json');
    await put('plain/.edgeclass-revision.json');
    await put('plain/model.safetensors.incomplete', 'partial');
    await put('org/tok-only/tokenizer.json');
    await put('org/not-a-model/README.md', '# no config');
    await put('empty-folder/README.md', '# no config');
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds one- and two-segment ids and skips hidden and partial files', async () => {
    const models = await new FsModelStore(dir).list();
    expect(models.map(({ id, files }) => ({ id, files }))).toEqual([
      { id: 'org/tok-only', files: ['tokenizer.json'] },
      { id: 'plain', files: ['1_Pooling/config.json', 'config.json', 'onnx/model.onnx'] },
    ]);
    // OpenAI's model `created`: when the folder was made (made by this test, a moment ago).
    for (const m of models) expect(Math.abs(m.created! - Date.now() / 1000), m.id).toBeLessThan(3600);
  });

  it('reads from org/name folders', async () => {
    const store = new FsModelStore(dir);
    expect(await store.readText('org/tok-only', 'tokenizer.json')).toBe('{}');
    expect(await store.readText('plain', 'onnx/model.onnx')).toBe('onnx');
  });

  it('lists nothing for a missing directory', async () => {
    expect(await new FsModelStore(path.join(dir, 'absent')).list()).toEqual([]);
  });

  it('takes the models directory from the flag, then EDGECLASS_MODELS_DIR, then ./models', () => {
    expect(resolveModelsDir('/x/flag', { EDGECLASS_MODELS_DIR: '/x/env' })).toBe('/x/flag');
    expect(resolveModelsDir(undefined, { EDGECLASS_MODELS_DIR: '/x/env' })).toBe('/x/env');
    expect(resolveModelsDir(undefined, {})).toBe(path.resolve('models'));
  });
});
