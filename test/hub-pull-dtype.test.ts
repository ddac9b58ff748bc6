// `edgeclass models pull <id> --dtype <dtype>` against a local server speaking the Hub's protocol, over a
// repository laid out as transformers.js' are (several graph variants under onnx/): only the variant asked for and
// the config and tokenizer files are fetched, the folder then serves that variant, and a variant the repository
// lacks is a clear error naming the graphs it has.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeApp } from '../src/runtime/node.ts';
import { startFakeHub, type FakeHub } from './support/fake-hub.ts';
import { post } from './support/http-contract.ts';
import { HUB_GOLDEN_DIR } from './support/paths.ts';
import { CLI, SERVER_ENV } from './support/servers.ts';

const REPO = 'org/tiny-lm';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-pull-dtype-'));
const repos = path.join(root, 'hub');
const out = path.join(root, 'models');
let hub: FakeHub;

beforeAll(async () => {
  const repo = path.join(repos, REPO);
  const golden = path.join(HUB_GOLDEN_DIR, 'tiny-llama-bpe-lm');
  fs.cpSync(golden, repo, { recursive: true, filter: (f) => path.basename(f) !== 'reference.json' });
  // Variants: the cache-less export stands in for q8 (any graph with the right I/O serves), and fp16 and weights
  // that a q8 pull must leave alone.
  fs.copyFileSync(path.join(golden, 'onnx', 'model_nocache.onnx'), path.join(repo, 'onnx', 'model_quantized.onnx'));
  fs.copyFileSync(path.join(golden, 'onnx', 'model.onnx'), path.join(repo, 'onnx', 'model_fp16.onnx'));
  fs.writeFileSync(path.join(repo, 'model.safetensors'), 'weights a q8 pull does not need');
  hub = await startFakeHub({ modelsDir: repos });
});
afterAll(async () => {
  await hub?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function pull(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'models', 'pull', REPO, '--models', out, ...args], {
      env: { ...SERVER_ENV, HF_HUB_OFFLINE: '', HF_ENDPOINT: hub.endpoint },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('models pull --dtype', () => {
  it('fetches only that graph plus the config and tokenizer files, and the folder serves it', async () => {
    const result = await pull('--dtype', 'q8', '--json');
    expect(result.code, result.stderr).toBe(0);
    const files = (JSON.parse(result.stdout) as { files: { file: string }[] }).files.map((f) => f.file).sort();
    expect(files).toEqual([
      'config.json',
      'generation_config.json',
      'onnx/model_quantized.onnx',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const fetched = hub.requests.filter((r) => r.method === 'GET' && r.path.includes('/resolve/')).map((r) => r.path);
    expect(fetched.filter((p) => /model(_fp16|_nocache)?\.onnx$|safetensors/.test(p))).toEqual([]);

    const app = createNodeApp({ modelsDir: out, pull: { offline: true }, requestLog: null, metrics: false });
    const fetchApp = async (p: string, init?: RequestInit) => app.request(p, init);
    const body = { model: REPO, inputs: ['Stocks rallied.'], labels: ['World', 'Business'], strategy: 'llm' };
    expect((await post(fetchApp, '/v1/classify', { ...body, dtype: 'q8' })).status).toBe(200);
    // Without a dtype the default (fp32) is asked for, which this folder does not have: a 400 naming what it has.
    const fp32 = await post(fetchApp, '/v1/classify', body);
    expect(fp32.status).toBe(400);
    expect(((await fp32.json()) as any).error.message).toMatch(/no onnx\/model\.onnx.*variants: q8/);
  });

  it('a variant the repository lacks is an error naming its graphs; an unknown dtype is a usage error', async () => {
    const q4 = await pull('--dtype', 'q4');
    expect(q4.code).not.toBe(0);
    expect(q4.stderr).toMatch(/no onnx\/model_q4\.onnx; its ONNX graphs: .*onnx\/model_quantized\.onnx/);
    const bad = await pull('--dtype', 'fp64');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--dtype must be one of fp32, fp16, q8/);
  });
});
