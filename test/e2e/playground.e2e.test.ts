// The playground on the real edge: wrangler dev (workerd with local D1, R2 and Queue) and one `edgeclass worker`
// train a job to the end on a tiny init-model BERT and an SST-2 subset (an evaluation every 5 steps), then headless
// Chromium opens the Worker's own page (/), tokenizes the seed's pair in workerd, lists the key's jobs, opens the
// job and sees its training loss, validation loss and accuracy charted from the job's real events, then finds the
// job's ft: model in the classify list and classifies with it; and `edgeclass jobs` reads the same job.
// Screenshots of every view: test/out/screenshots/e2e-*.png.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_AVAILABLE, launchChromium } from '../support/chromium.ts';
import { initModel } from '../../src/nn/init-model.ts';
import { MODELS_DIR, REPO_ROOT, TEST_OUT_DIR } from '../support/paths.ts';
import { freePort, SERVER_ENV } from '../support/servers.ts';
import { prepareEdgeState, startEdge, startWorker, type EdgeDev, type WorkerProcess } from './support/processes.ts';

const SCREENSHOTS = path.join(TEST_OUT_DIR, 'screenshots');
const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const BASE = 'tiny-bert';
/** A classifier without an entailment label, listed before BASE: it cannot take the prefilled candidate labels. */
const CLASSIFIER = 'classifier-sst2';
const WORKER_SECRET = `wsec_${randomBytes(18).toString('base64url')}`;
const ADMIN_KEY = `admin_${randomBytes(18).toString('base64url')}`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-e2e-playground-'));
let edge: EdgeDev | null = null;
let worker: WorkerProcess | null = null;
let context: BrowserContext | null = null;
let page: Page;
let apiKey = '';
let jobId = '';

async function api(method: string, route: string, key: string | null, body?: unknown): Promise<any> {
  const init: RequestInit = { method, headers: key ? { authorization: `Bearer ${key}` } : {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${edge!.url}${route}`, init);
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function upload(name: string, rows: string[]): Promise<string> {
  const form = new FormData();
  form.append('purpose', 'fine-tune');
  form.append('file', new File([`${rows.join('\n')}\n`], name));
  return (await api('POST', '/v1/files', apiKey, form)).id;
}

/** `edgeclass <args>` against the edge, with the key in EDGECLASS_API_KEY. */
function edgeclass(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), ...args, '--url', edge!.url],
      { env: { ...SERVER_ENV, EDGECLASS_API_KEY: apiKey }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!CHROMIUM_AVAILABLE)('the playground on wrangler dev, with a job trained by a GPU worker', () => {
  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const models = path.join(root, 'models');
    initModel({
      arch: 'bert',
      layers: 1,
      hidden: 16,
      heads: 2,
      intermediate: 32,
      tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
      seed: 4,
      out: path.join(models, BASE),
    });
    initModel({
      arch: 'bert',
      layers: 1,
      hidden: 16,
      heads: 2,
      intermediate: 32,
      tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
      seed: 5,
      labels: ['negative', 'positive'],
      out: path.join(models, CLASSIFIER),
    });
    // RoBERTa's tokenizer, which gives a pair no token types (a temporary copy: the store syncs folders, not links).
    fs.cpSync(path.join(MODELS_DIR, 'roberta-base'), path.join(models, 'roberta-base'), { recursive: true });
    const persist = path.join(root, 'persist');
    prepareEdgeState(persist, models);
    edge = await startEdge({
      persist,
      port: await freePort(),
      vars: { EDGECLASS_WORKER_SECRET: WORKER_SECRET, EDGECLASS_ADMIN_KEY: ADMIN_KEY },
    });
    worker = startWorker({
      name: 'playground-worker',
      edge: edge.url,
      secret: WORKER_SECRET,
      workDir: path.join(root, 'work'),
      args: ['--poll-interval', '300', '--metrics-every', '2'],
    });
    apiKey = (await api('POST', '/v1/api_keys', ADMIN_KEY, { name: 'playground' })).key;
    const train = fs.readFileSync(path.join(SST2, 'train.tsv'), 'utf8').trimEnd().split('\n');
    const dev = fs.readFileSync(path.join(SST2, 'dev.tsv'), 'utf8').trimEnd().split('\n');
    const trainingFile = await upload('train.tsv', [train[0], ...train.slice(1, 161)]);
    const validationFile = await upload('dev.tsv', [dev[0], ...dev.slice(1, 61)]);
    const job = await api('POST', '/v1/fine_tuning/jobs', apiKey, {
      model: BASE,
      training_file: trainingFile,
      validation_file: validationFile,
      suffix: 'playground',
      hyperparameters: { n_epochs: 2, batch_size: 16, learning_rate: 0.002, max_length: 32, eval_steps: 5 },
    });
    jobId = job.id;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const { status } = await api('GET', `/v1/fine_tuning/jobs/${jobId}`, apiKey);
      if (status === 'succeeded') break;
      if (['failed', 'cancelled'].includes(status) || Date.now() > deadline) {
        throw new Error(`job ${jobId} is ${status}; worker: ${worker.stderr().slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    ({ context, page } = await launchChromium(path.join(root, 'profile')));
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    worker?.kill('SIGTERM');
    await worker?.exit;
    await edge?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("tokenizes the seed's pair inside workerd", async () => {
    await page.goto(`${edge!.url}/`);
    await expect.poll(() => page.locator('#tok-model option').allTextContents()).toContain(BASE);
    await page.selectOption('#tok-model', BASE);
    await page.fill('#tok-text', 'Here is some text to encode');
    await page.fill('#tok-pair', 'Here is some more text to encode');
    await page.click('#tok-submit');
    const chips = page.locator('#tok-tokens .token');
    await expect.poll(() => chips.count()).toBe(18);
    expect(await chips.evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-type-id'))))).toEqual([
      ...Array(9).fill(0),
      ...Array(9).fill(1),
    ]);
    // The legend says the type ids the chips show.
    expect(await page.textContent('#tok-legend-b')).toBe('sequence B (token_type_id 1)');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'e2e-playground-tokenize.png'), fullPage: true });
  });

  it('RoBERTa: the legend says the pair has no token types, as its chips show type 0 (issue 16 item 10)', async () => {
    await page.selectOption('#tok-model', 'roberta-base');
    await page.fill('#tok-text', 'Here is some text to encode');
    await page.fill('#tok-pair', 'Here is some more text to encode');
    await page.click('#tok-submit');
    await expect.poll(() => page.textContent('#tok-summary')).toContain('from roberta-base');
    const chips = page.locator('#tok-tokens .token');
    const types = await chips.evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-type-id'))));
    expect(types.length).toBeGreaterThan(10);
    expect(new Set(types)).toEqual(new Set([0]));
    // The second sequence is still drawn as sequence B: the legend's colour, not a type id, marks it.
    expect(await page.locator('#tok-tokens .token.seq1').count()).toBeGreaterThan(0);
    expect(await page.textContent('#tok-legend-a')).toBe('sequence A');
    expect(await page.textContent('#tok-legend-b')).toBe('sequence B (this model has no token types)');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'e2e-playground-tokenize-roberta.png'), fullPage: true });
  });

  it('the default classify (the preselected model, the prefilled labels) answers, with a classifier listed first', async () => {
    // A new document (a query, not a hash: a hash alone navigates within the page), so every field has its default.
    await page.goto(`${edge!.url}/?fresh`);
    await page.click('#tab-classify');
    const options = page.locator('#cls-model option');
    await expect.poll(() => options.allTextContents()).toContain(BASE);
    // The property needs a first model that cannot take candidate labels: the classifier, listed before BASE.
    expect((await options.allTextContents())[0]).toBe(CLASSIFIER);
    expect(await page.inputValue('#cls-labels')).toBe('sports, business, science, politics');
    await page.click('#cls-submit');
    await expect
      .poll(async () => (await page.textContent('#cls-summary')) || (await page.textContent('#cls-error')), {
        timeout: 60_000,
      })
      .toMatch(/classified by .* \(strategy embedding/);
    expect(await page.textContent('#cls-error')).toBe('');
    expect(await page.locator('#cls-results .label').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'e2e-playground-classify-default.png'), fullPage: true });
  });

  it("lists the key's job, opens it, and charts the loss and accuracy the worker reported", async () => {
    await page.click('#tab-finetunes');
    await page.fill('#jobs-key', apiKey);
    await page.click('#jobs-load');
    const row = page.locator(`#jobs-table tbody tr[data-job-id="${jobId}"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('.status').textContent()).toBe('succeeded');
    await row.click();
    const series = page.locator('#job-chart svg path[data-series]');
    await expect.poll(() => series.count()).toBe(3);
    const points = await series.evaluateAll((paths) =>
      Object.fromEntries(paths.map((p) => [p.getAttribute('data-series'), Number(p.getAttribute('data-points'))])),
    );
    // 2 epochs of 10 steps: training loss at step 1 and every 2 steps; an evaluation every 5 steps.
    expect(points.train_loss).toBeGreaterThanOrEqual(5);
    expect(points.eval_loss).toBeGreaterThanOrEqual(3);
    expect(points.eval_accuracy).toBe(points.eval_loss);
    expect(await page.textContent('#job-info')).toContain(`ft:${BASE}:playground:${jobId}`);
    expect(await page.locator('#job-events tbody tr').count()).toBeGreaterThan(10);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'e2e-playground-finetunes.png'), fullPage: true });
    // The chart spans its card (it once stopped at 820 px of a wider one).
    const [chart, card] = await Promise.all([
      page.locator('#job-chart svg').boundingBox(),
      page.locator('#job-chart').boundingBox(),
    ]);
    expect(chart!.width).toBeGreaterThan(card!.width * 0.95);
  });

  it("lists the key's ft: model for classify once the key is entered, and classifies with it", async () => {
    const ft = `ft:${BASE}:playground:${jobId}`;
    await page.click('#tab-classify');
    await expect.poll(() => page.locator('#cls-model option').allTextContents()).toContain(ft);
    expect(
      await page.locator('#cls-strategy option').evaluateAll((o) => o.map((n) => n.getAttribute('value'))),
    ).toContain('llm');
    await page.selectOption('#cls-model', ft);
    await page.fill('#cls-labels', '');
    await page.fill('#cls-inputs', 'a charming and funny film\ndull and long');
    await page.click('#cls-submit');
    // The first classify with a model loads it from R2 into onnxruntime-web: seconds on a loaded machine.
    await expect
      .poll(async () => (await page.textContent('#cls-summary')) || (await page.textContent('#cls-error')), {
        timeout: 60_000,
      })
      .toContain(`classified by ${ft} (strategy model`);
    expect(await page.textContent('#cls-error')).toBe('');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'e2e-playground-classify.png'), fullPage: true });
  });

  it('the API reference lists every route in full', async () => {
    await page.goto(`${edge!.url}/docs`);
    const links = page.locator('#toc a');
    await expect.poll(() => links.count()).toBeGreaterThan(10);
    // No route is cut: each link shows its whole path (the sidebar once cut five to the same prefix).
    const cut = await links.evaluateAll((nodes) => nodes.filter((n) => n.scrollWidth > n.clientWidth + 1).length);
    expect(cut).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'e2e-docs.png') });
  });

  it('edgeclass jobs list, show and events read the same job', async () => {
    const list = await edgeclass(['jobs', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).data.map((j: { id: string }) => j.id)).toEqual([jobId]);
    const show = await edgeclass(['jobs', 'show', jobId]);
    expect(show.stdout).toMatch(/^status\s+succeeded$/m);
    const events = await edgeclass(['jobs', 'events', jobId, '--follow', '--json']);
    expect(events.code, events.stderr).toBe(0);
    const all = events.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(
      all.filter((e) => e.type === 'metrics' && typeof e.data?.eval_accuracy === 'number').length,
    ).toBeGreaterThanOrEqual(3);
    expect(all.at(-1).message).toContain('successfully completed');
    expect(events.stderr).toContain(`job ${jobId} succeeded: ft:${BASE}:playground:${jobId}`);
  });
});
