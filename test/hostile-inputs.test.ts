// Hostile requests against `edgeclass serve` as its own process (issue 12): the probe's findings and their
// neighbours, then 1,000 bodies fuzzed from the routes' zod schemas (test/support/hostile-cases.ts). Every refusal
// is a 4xx {"error": {type, message, param}} within 2 s, nothing is a 5xx, no answer names a server path, and the
// process is alive with its RSS under 600 MB after. Then, in-process: a refused model load is remembered (its files
// are not read again) until one of its files changes.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabelEmbeddingCache } from '../src/core/classify/label-cache.ts';
import { LoadOnce } from '../src/core/load-once.ts';
import { createNodeApp } from '../src/runtime/node.ts';
import { FsModelStore } from '../src/store/fs-store.ts';
import { expectErrorShape, expectRefusal, fuzzedBodies, hostileCases, sendJudged } from './support/hostile-cases.ts';
import { MODELS_DIR } from './support/paths.ts';
import { CLI, freePort, SERVER_ENV, waitHealthy } from './support/servers.ts';
import { makeTinyModels } from './support/tiny-models.ts';

/** The acceptance bound of issue 12, per answer; generous for a loaded 2-core machine (refusals take milliseconds). */
const ANSWER_WITHIN_MS = 2000;
const RSS_LIMIT_BYTES = 600 * 1024 * 1024;
const REFUSED = 'refused-tokenizer';

/** bert-base-uncased's tokenizer.json with a pre-tokenizer edgeclass refuses, padded to `bytes` (the probe's 11 MB). */
function writeRefusedTokenizer(dir: string, bytes: number): void {
  const json = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, 'bert-base-uncased', 'tokenizer.json'), 'utf8'));
  json.pre_tokenizer = { type: 'FixedLength', length: 4 }; // a Rust pre-tokenizer edgeclass refuses by name
  const text = JSON.stringify(json);
  json.padding_for_size = 'x'.repeat(Math.max(0, bytes - text.length));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
}

function makeModelsDir(): string {
  const root = makeTinyModels(fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-hostile-')));
  for (const id of ['bert-base-uncased', 'roberta-base'])
    fs.symlinkSync(path.join(MODELS_DIR, id), path.join(root, id));
  writeRefusedTokenizer(path.join(root, REFUSED), 11 * 1024 * 1024);
  return root;
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

describe('hostile inputs against `edgeclass serve`', () => {
  let root: string;
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    root = makeModelsDir();
    const port = await freePort();
    // Its fine-tuning state beside the models, not in the working directory's .edgeclass.
    const dataDir = `${root}-data`;
    child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--models', root, '--data-dir', dataDir], {
      env: { ...SERVER_ENV, EDGECLASS_REQUEST_LOG: 'off' },
      stdio: 'ignore',
    });
    url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, child, { name: 'edgeclass serve', timeoutMs: 90_000 });
  });
  afterAll(() => {
    child?.kill('SIGTERM');
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (root) fs.rmSync(`${root}-data`, { recursive: true, force: true });
  });

  /** One request: status, parsed body (null when not JSON), time to the whole answer, the answer's text. */
  async function send(p: string, body: string) {
    const start = performance.now();
    const res = await fetch(url + p, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(60_000),
    }).catch((err: unknown) => {
      throw new Error(
        `${p} ${body.length} bytes (${body.slice(0, 200)}): no answer: ${String(err)} (${String((err as { cause?: unknown }).cause)})`,
      );
    });
    const text = await res.text();
    const ms = performance.now() - start;
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* checked by the caller */
    }
    return { status: res.status, json, text, ms };
  }

  for (const c of hostileCases({ bert: 'bert-base-uncased', refused: REFUSED })) {
    it(c.name, async () => {
      const answer = await sendJudged(
        () => send(c.path, c.raw ? (c.body as string) : JSON.stringify(c.body)),
        ANSWER_WITHIN_MS,
      );
      expectRefusal(c, answer.status, answer.json);
      expect(answer.text).not.toContain(root);
      expect(answer.ms, `${c.name}: answered in ${answer.ms.toFixed(0)} ms`).toBeLessThan(ANSWER_WITHIN_MS);
    });
  }

  it('1,000 bodies fuzzed from the schemas: no 5xx, refusals in the error shape within 2 s, the process alive', async () => {
    const statuses = new Map<number, number>();
    let slowest = 0;
    let again = 0;
    for (const { path: p, body } of fuzzedBodies(12, 1000)) {
      const answer = await sendJudged(() => send(p, body), ANSWER_WITHIN_MS);
      if (answer.again) again++;
      const where = `${p} ${body.slice(0, 200)} -> ${answer.status} ${answer.text.slice(0, 200)}`;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      slowest = Math.max(slowest, answer.ms);
      expect(answer.status, where).toBeLessThan(500);
      if (answer.status >= 400) expectErrorShape(answer.json, where);
      expect(answer.text, where).not.toContain(root);
      expect(answer.ms, where).toBeLessThan(ANSWER_WITHIN_MS);
    }
    console.log(
      `fuzzed answers by status: ${JSON.stringify(Object.fromEntries(statuses))}; slowest ${slowest.toFixed(0)} ms; ${again} sent again after a slow answer`,
    );
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('the RSS is back under 600 MB after the hostile requests', async () => {
    // Memory a request held is given back by V8's GC, not at once: poll for up to 30 s.
    let rss = rssOf(child.pid!);
    for (let i = 0; i < 60 && rss >= RSS_LIMIT_BYTES; i++) {
      await new Promise((r) => setTimeout(r, 500));
      rss = rssOf(child.pid!);
    }
    console.log(`edgeclass serve RSS after the hostile suite: ${(rss / 1024 / 1024).toFixed(0)} MB`);
    expect(rss).toBeLessThan(RSS_LIMIT_BYTES);
  });
});

/** The real directory store, counting reads of each file: how the test sees whether a refusal re-read a model. */
class CountingStore extends FsModelStore {
  readonly reads = new Map<string, number>();
  override readBytes(modelId: string, file: string): Promise<Uint8Array | null> {
    const key = `${modelId}/${file}`;
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
    return super.readBytes(modelId, file);
  }
}

describe('refused model loads are remembered until a file changes', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-refused-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new CountingStore(root);
  const app = createNodeApp({ modelsDir: root, store, requestLog: null, metrics: false });
  const tokenize = (model: string) =>
    app.request('/v1/tokenize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, inputs: 'Here is some text' }),
    });

  it('a refused tokenizer is read once, refused again without reading, and retried once the file is fixed', async () => {
    writeRefusedTokenizer(path.join(root, REFUSED), 11 * 1024 * 1024);
    const first = performance.now();
    expect((await tokenize(REFUSED)).status).toBe(400);
    const firstMs = performance.now() - first;
    const again = performance.now();
    for (let i = 0; i < 20; i++) {
      const res = await tokenize(REFUSED);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.code).toBe('unsupported_model');
    }
    const againMs = (performance.now() - again) / 20;
    console.log(`refusing an 11 MB tokenizer.json: first ${firstMs.toFixed(1)} ms, then ${againMs.toFixed(2)} ms each`);
    expect(store.reads.get(`${REFUSED}/tokenizer.json`)).toBe(1);

    fs.copyFileSync(
      path.join(MODELS_DIR, 'bert-base-uncased', 'tokenizer.json'),
      path.join(root, REFUSED, 'tokenizer.json'),
    );
    expect((await tokenize(REFUSED)).status).toBe(200);
    expect(store.reads.get(`${REFUSED}/tokenizer.json`)).toBe(2);
  });

  it('a model that is missing is found as soon as it is provided', async () => {
    expect((await tokenize('late-model')).status).toBe(404);
    expect((await tokenize('late-model')).status).toBe(404);
    fs.mkdirSync(path.join(root, 'late-model'));
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
      fs.copyFileSync(path.join(MODELS_DIR, 'bert-base-uncased', file), path.join(root, 'late-model', file));
    }
    expect((await tokenize('late-model')).status).toBe(200);
  });

  it('remembers a bounded number of failures', async () => {
    let loads = 0;
    const once = new LoadOnce<number>(
      async () => {
        loads++;
        throw new Error('refused');
      },
      { remember: () => true, maxFailures: 3 },
    );
    for (const key of ['a', 'b', 'c', 'd']) await expect(once.get(key)).rejects.toThrow('refused');
    expect(once.rememberedFailures).toBe(3);
    // 'a' was the least recently refused: forgotten, so loaded again; 'd' is remembered.
    await expect(once.get('a')).rejects.toThrow('refused');
    await expect(once.get('d')).rejects.toThrow('refused');
    expect(loads).toBe(5);
  });
});

describe('the label embedding cache is bounded in bytes', () => {
  it('evicts the least recently used entries once keys and vectors pass the byte budget', () => {
    const vector = new Float32Array(384); // [hidden]: 1,536 bytes
    const longKey = (i: number) => LabelEmbeddingCache.key('m', 'mean', `${i}`.padEnd(10_000, 'x'));
    const perEntry = LabelEmbeddingCache.cost(longKey(0), vector);
    const cache = new LabelEmbeddingCache(8192, perEntry * 10);
    for (let i = 0; i < 100; i++) cache.set(longKey(i), vector);
    expect(cache.size).toBe(10);
    expect(cache.bytes).toBeLessThanOrEqual(perEntry * 10);
    expect(cache.get(longKey(99))).toBe(vector);
    expect(cache.get(longKey(0))).toBeUndefined();
    // An entry larger than the whole budget is not kept (it would evict everything else).
    cache.set(LabelEmbeddingCache.key('m', 'mean', 'y'.repeat(perEntry * 10)), vector);
    expect(cache.size).toBe(10);
  });
});
