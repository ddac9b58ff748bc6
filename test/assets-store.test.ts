// The static-assets model store (the Worker's ASSETS binding) and the layered store the Worker builds from it and
// R2: files come from the first store that has them, path checks come before any fetch.
import { describe, expect, it } from 'vitest';
import { AssetsModelStore, LayeredModelStore, type AssetFetcher } from '../src/store/assets-store.ts';
import type { ModelInfo, ModelStore } from '../src/store/model-store.ts';

function fakeAssets(files: Record<string, string>): AssetFetcher & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async fetch(input: string) {
      const pathname = decodeURIComponent(new URL(input).pathname);
      asked.push(pathname);
      return pathname in files ? new Response(files[pathname]) : new Response('not found', { status: 404 });
    },
  };
}

function memoryStore(files: Record<string, string>, models: ModelInfo[] = []): ModelStore {
  return {
    howToProvide: 'put it in memory',
    readBytes: async (id, file) => (`${id}/${file}` in files ? new TextEncoder().encode(files[`${id}/${file}`]) : null),
    readText: async (id, file) => files[`${id}/${file}`] ?? null,
    list: async () => models,
  };
}

describe('AssetsModelStore', () => {
  it('reads <prefix>/<id>/<file>, null for 404, and refuses unsafe paths before fetching', async () => {
    const assets = fakeAssets({
      '/models/org/name/config.json': '{"a":1}',
      '/models/org/name/onnx/model.onnx': 'BYTES',
    });
    const store = new AssetsModelStore(assets, '/models');
    expect(await store.readText('org/name', 'config.json')).toBe('{"a":1}');
    expect(new TextDecoder().decode((await store.readBytes('org/name', 'onnx/model.onnx'))!)).toBe('BYTES');
    expect(await store.readText('org/name', 'tokenizer.json')).toBeNull();
    await expect(store.readText('org/name', '../../secret')).rejects.toThrow(/invalid file path/);
    expect(assets.asked).toEqual([
      '/models/org/name/config.json',
      '/models/org/name/onnx/model.onnx',
      '/models/org/name/tokenizer.json',
    ]);
    expect(await store.list()).toEqual([]);
  });

  it('a failing asset fetch is an error, not an absence', async () => {
    const store = new AssetsModelStore({ fetch: async () => new Response('boom', { status: 503 }) });
    await expect(store.readText('m', 'config.json')).rejects.toThrow(/503/);
  });
});

describe('LayeredModelStore', () => {
  it('takes each file from the first store that has it and lists the union', async () => {
    const assets = memoryStore({ 'm/config.json': 'from assets' });
    const r2 = memoryStore({ 'm/config.json': 'from r2', 'm/onnx/model.onnx': 'big' }, [
      { id: 'm', files: ['config.json', 'onnx/model.onnx'] },
      { id: 'a', files: [] },
    ]);
    const store = new LayeredModelStore([assets, r2]);
    expect(await store.readText('m', 'config.json')).toBe('from assets');
    expect(await store.readText('m', 'onnx/model.onnx')).toBe('big');
    expect(await store.readBytes('m', 'nothing')).toBeNull();
    expect((await store.list()).map((m) => m.id)).toEqual(['a', 'm']);
    expect(store.howToProvide).toContain('put it in memory');
  });
});
