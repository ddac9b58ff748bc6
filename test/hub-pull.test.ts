// pullModel against a local server speaking the Hugging Face Hub's protocol over the real files of
// ../shared/models: the file list from /api/models/{id}/revision/{rev}, each file from /{id}/resolve/{rev}/{file}
// with git blob sha1 ETags, and `tokenizer.json` / `vocab.json` played as LFS files (302 to a "CDN" path with
// X-Linked-Etag = sha256 and X-Linked-Size), as the Hub does for large files.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HubError,
  defaultFileFilter,
  gitBlobSha1,
  pullModel,
  readRevisionRecord,
  type PullOptions,
  type PullProgress,
} from '../src/hub/index.ts';

import { MODELS_DIR as sharedModelsDir } from './support/paths.ts';
import { COMMIT, startFakeHub, type FakeHub } from './support/fake-hub.ts';

describe('pullModel against a local Hub', () => {
  let modelsDir: string;
  let hub: FakeHub | undefined;

  beforeEach(async () => {
    modelsDir = await mkdtemp(path.join(os.tmpdir(), 'edgeclass-pull-'));
  });
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
    await rm(modelsDir, { recursive: true, force: true });
  });

  const pull = (overrides: Partial<PullOptions> = {}) =>
    pullModel({
      modelId: 'bert-base-uncased',
      modelsDir,
      endpoint: hub!.endpoint,
      env: {},
      retryDelayMs: 5,
      ...overrides,
    });

  const expectIdenticalTo = async (modelId: string, files: string[]) => {
    for (const file of files) {
      const pulled = await readFile(path.join(modelsDir, modelId, file));
      const original = await readFile(path.join(sharedModelsDir, modelId, file));
      expect(pulled.equals(original), file).toBe(true);
    }
  };

  it('pulls every file byte-identical and records the revision', async () => {
    hub = await startFakeHub();
    const progress: PullProgress[] = [];
    const result = await pull({ onProgress: (p) => progress.push(p) });

    const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
    expect(result.files.map((f) => f.file)).toEqual(files);
    expect(result.commit).toBe(COMMIT);
    await expectIdenticalTo('bert-base-uncased', files);
    expect((await readdir(result.dir)).filter((name) => name.endsWith('.incomplete'))).toEqual([]);

    const record = await readRevisionRecord(result.dir);
    const tokenizer = await readFile(path.join(sharedModelsDir, 'bert-base-uncased', 'tokenizer.json'));
    const config = await readFile(path.join(sharedModelsDir, 'bert-base-uncased', 'config.json'));
    expect(record).toMatchObject({ modelId: 'bert-base-uncased', revision: 'main', commit: COMMIT });
    expect(record!.files['tokenizer.json']).toEqual({
      etag: createHash('sha256').update(tokenizer).digest('hex'),
      size: tokenizer.length,
    });
    expect(record!.files['config.json']).toEqual({ etag: gitBlobSha1(config), size: config.length });

    for (const file of files) {
      const last = progress.filter((p) => p.file === file).at(-1);
      expect(last?.bytesDone, file).toBe(last?.bytesTotal);
    }
    // LFS bytes came from the redirect target, after a HEAD that did not follow it.
    expect(hub.requests.some((r) => r.method === 'HEAD' && r.path.endsWith('/resolve/main/tokenizer.json'))).toBe(true);
    expect(hub.requests.some((r) => r.method === 'GET' && r.path === '/cdn/bert-base-uncased/-/tokenizer.json')).toBe(
      true,
    );
  });

  it('keeps unchanged files on a second pull of the same revision', async () => {
    hub = await startFakeHub();
    await pull();
    const before = hub.requests.length;
    const again = await pull();
    expect(again.files.every((f) => !f.downloaded)).toBe(true);
    expect(hub.requests.slice(before).filter((r) => r.method === 'GET' && !r.path.startsWith('/api/'))).toEqual([]);
  });

  it('resumes with a Range request after the connection drops mid-file', async () => {
    hub = await startFakeHub({ dropConnection: { file: 'tokenizer.json', afterBytes: 100_000 } });
    await pull();
    await expectIdenticalTo('bert-base-uncased', ['tokenizer.json']);
    const tokenizerGets = hub.requests.filter(
      (r) => r.method === 'GET' && r.path.endsWith('/tokenizer.json') && r.path.startsWith('/cdn/'),
    );
    expect(tokenizerGets.length).toBe(2);
    expect(tokenizerGets[0].range).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(tokenizerGets[1].range ?? '')?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(100_000);
  });

  it('fails on a checksum mismatch and leaves no file behind', async () => {
    hub = await startFakeHub({ corruptFile: 'config.json' });
    const failure = await pull().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HubError);
    expect((failure as HubError).code).toBe('checksum-mismatch');
    expect((failure as HubError).message).toMatch(/checksum mismatch for 'bert-base-uncased\/config\.json'/);
    expect(existsSync(path.join(modelsDir, 'bert-base-uncased', 'config.json'))).toBe(false);
    expect(existsSync(path.join(modelsDir, 'bert-base-uncased', 'config.json.incomplete'))).toBe(false);
  });

  it('fails on a corrupt LFS file too (sha256)', async () => {
    hub = await startFakeHub({ corruptFile: 'tokenizer.json' });
    await expect(pull()).rejects.toThrow(/checksum mismatch .*expected sha256/);
    expect(existsSync(path.join(modelsDir, 'bert-base-uncased', 'tokenizer.json'))).toBe(false);
  });

  it('needs HF_TOKEN where the Hub asks for one, and keeps it from the CDN', async () => {
    hub = await startFakeHub({ requiredToken: 'hf_test_token', cdnOnOtherOrigin: true });
    const refused = await pull().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(HubError);
    expect((refused as HubError).message).toMatch(/401/);
    expect((refused as HubError).message).toMatch(/HF_TOKEN/);

    const result = await pull({ env: { HF_TOKEN: 'hf_test_token' } });
    expect(result.commit).toBe(COMMIT);
    await expectIdenticalTo('bert-base-uncased', ['config.json', 'tokenizer.json']);
    const authorizedHubRequests = hub.requests.filter(
      (r) => r.server === 'hub' && r.authorization === 'Bearer hf_test_token',
    );
    const cdnRequests = hub.requests.filter((r) => r.server === 'cdn');
    expect(authorizedHubRequests.length).toBeGreaterThan(0);
    expect(cdnRequests.length).toBeGreaterThan(0);
    expect(cdnRequests.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('reads HF_TOKEN from the process environment by default', async () => {
    hub = await startFakeHub({ requiredToken: 'hf_env_token' });
    const saved = process.env.HF_TOKEN;
    process.env.HF_TOKEN = 'hf_env_token';
    try {
      const result = await pullModel({
        modelId: 'bert-base-uncased',
        modelsDir,
        endpoint: hub.endpoint,
        retryDelayMs: 5,
      });
      expect(result.files.length).toBe(3);
    } finally {
      if (saved === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = saved;
    }
  });

  it('says clearly when the model or the revision does not exist', async () => {
    hub = await startFakeHub();
    await expect(pull({ modelId: 'nobody/nothing' })).rejects.toThrow(
      /model 'nobody\/nothing' was not found on http:\/\/127\.0\.0\.1:\d+/,
    );
    await expect(pull({ revision: 'v9' })).rejects.toThrow(/revision 'v9' of model 'bert-base-uncased' does not exist/);
    expect(existsSync(path.join(modelsDir, 'nobody'))).toBe(false);
  });

  it('fails at once, without retries, when nothing listens at HF_ENDPOINT', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    // A retry would wait 30 s first (retryDelayMs, capped at 30 s), past this test's 20 s timeout: failing at all shows
    // there was none, however slow the machine (a refused connection takes milliseconds).
    const failure = pullModel({ modelId: 'bert-base-uncased', modelsDir, endpoint, env: {}, retryDelayMs: 600_000 });
    await expect(failure).rejects.toThrow(
      /Hub at http:\/\/127\.0\.0\.1:\d+ is unreachable .*ECONNREFUSED.*HF_ENDPOINT/,
    );
  }, 20_000);

  it('pulls another layout (roberta-base: merges.txt, LFS vocab.json)', async () => {
    hub = await startFakeHub();
    const result = await pull({ modelId: 'roberta-base', revision: COMMIT });
    expect(result.files.map((f) => f.file)).toEqual([
      'config.json',
      'merges.txt',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.json',
    ]);
    await expectIdenticalTo(
      'roberta-base',
      result.files.map((f) => f.file),
    );
  });
});

describe('defaultFileFilter', () => {
  it('takes what tokenizers, ONNX sessions and the trainer read', () => {
    const kept = [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.txt',
      'vocab.json',
      'merges.txt',
      'special_tokens_map.json',
      'model.safetensors',
      'onnx/model.onnx',
      'onnx/model_quantized.onnx',
      'onnx/model.onnx_data',
      '1_Pooling/config.json',
      'modules.json',
      'sentence_bert_config.json',
      'config_sentence_transformers.json',
      'README.md',
    ];
    for (const file of kept) expect(defaultFileFilter(file), file).toBe(true);
  });

  it('leaves out framework-specific weights and git files', () => {
    const dropped = [
      'pytorch_model.bin',
      'tf_model.h5',
      'flax_model.msgpack',
      'rust_model.ot',
      '.gitattributes',
      '2_Dense/pytorch_model.bin',
      'training_args.bin',
      'openvino/openvino_model.xml',
      'coreml/model.mlpackage/x',
    ];
    for (const file of dropped) expect(defaultFileFilter(file), file).toBe(false);
  });
});
