// The playground (/) in a real browser: headless Chromium (Debian's, driven by playwright-core) against the Node
// server on a models directory with the real bert-base-uncased tokenizer and a tiny NLI model made by init-model.
// Tokenize: the seed's text pair gives 18 tokens with the seed's ids and type ids, special tokens marked, and
// hovering a token marks its characters in the input. Classify: bars, one per label, in score order.
// Fine-tunes: the Node server has no jobs (they live in D1 at the edge), so the browser is served the jobs API's
// answers from a fixture (test/support/jobs-fixture.ts) checked against the API's response schemas; a job opens
// with its loss and accuracy chart. Screenshots go to test/out/screenshots/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_AVAILABLE, launchChromium } from './support/chromium.ts';
import { EventListSchema, JobListSchema, JobSchema } from '../src/http/schemas/fine-tuning.ts';
import { startNodeServer, type RunningServer } from '../src/runtime/node.ts';
import { eventsPage, FIXTURE_EVENTS, FIXTURE_JOB, FIXTURE_JOB_ID, FIXTURE_JOB_LIST } from './support/jobs-fixture.ts';
import { MODELS_DIR, TEST_OUT_DIR } from './support/paths.ts';
import { makeTinyModel } from './support/tiny-models.ts';

const SCREENSHOTS = path.join(TEST_OUT_DIR, 'screenshots');

// The seed notebook's pair and what bert-base-uncased makes of it.
const TEXT = 'Here is some text to encode';
const PAIR = 'Here is some more text to encode';
const IDS = [101, 2182, 2003, 2070, 3793, 2000, 4372, 16044, 102, 2182, 2003, 2070, 2062, 3793, 2000, 4372, 16044, 102];
const TYPE_IDS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1];

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-e2e-'));
let server: RunningServer;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

describe.skipIf(!CHROMIUM_AVAILABLE)('the playground in headless Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.symlinkSync(path.join(MODELS_DIR, 'bert-base-uncased'), path.join(root, 'bert-base-uncased'));
    makeTinyModel(root, 'tiny-nli');
    server = await startNodeServer({ modelsDir: path.join(root), port: 0, pull: { offline: true }, requestLog: null });
    // A fresh profile each run; no network but loopback is needed or wanted.
    ({ context, page } = await launchChromium(path.join(root, 'profile')));
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("tokenizes the seed's pair with bert-base-uncased: 18 tokens, their ids and type ids", async () => {
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.locator('#tok-model option').allTextContents()).toContain('bert-base-uncased');
    await page.selectOption('#tok-model', 'bert-base-uncased');
    await page.fill('#tok-text', TEXT);
    await page.fill('#tok-pair', PAIR);
    await page.click('#tok-submit');
    const chips = page.locator('#tok-tokens .token');
    await expect.poll(() => chips.count()).toBe(18);
    const read = (attr: string) => chips.evaluateAll((nodes, a) => nodes.map((n) => Number(n.getAttribute(a))), attr);
    expect(await read('data-id')).toEqual(IDS);
    expect(await read('data-type-id')).toEqual(TYPE_IDS);
    expect(await read('data-mask')).toEqual(IDS.map(() => 1));
    expect(await chips.locator('.t').allTextContents()).toEqual([
      '[CLS]',
      'here',
      'is',
      'some',
      'text',
      'to',
      'en',
      '##code',
      '[SEP]',
      'here',
      'is',
      'some',
      'more',
      'text',
      'to',
      'en',
      '##code',
      '[SEP]',
    ]);
    // Special tokens marked, sequences coloured apart.
    const classes = await chips.evaluateAll((nodes) => nodes.map((n) => n.className));
    expect(classes.map((c, i) => (c.includes('special') ? i : -1)).filter((i) => i >= 0)).toEqual([0, 8, 17]);
    expect(classes.filter((c) => c.includes('seq0'))).toHaveLength(7);
    expect(classes.filter((c) => c.includes('seq1'))).toHaveLength(8);
    expect(await page.textContent('#tok-summary')).toContain('18 tokens');
    // The table prints the seed's lines.
    expect(await page.locator('#tok-table tbody tr').first().textContent()).toContain(
      "Token with ID 101, corresponding to '[CLS]' - attention_mask=1, token_type_id=0",
    );

    // Hovering a token marks its characters: "##code" of sequence A, "more" of sequence B.
    await chips.nth(7).hover();
    expect(await page.textContent('#tok-mirror-0 mark')).toBe('code');
    expect(await page.locator('#tok-mirror-1 mark').count()).toBe(0);
    await chips.nth(12).hover();
    expect(await page.textContent('#tok-mirror-1 mark')).toBe('more');
    expect(await page.locator('#tok-mirror-0 mark').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'playground-tokenize.png'), fullPage: true });
  });

  it('classifies with labels and shows one bar per label, best first', async () => {
    await page.click('#tab-classify');
    await expect.poll(() => page.locator('#cls-model option').allTextContents()).toContain('tiny-nli');
    await page.selectOption('#cls-model', 'tiny-nli');
    await page.selectOption('#cls-strategy', 'nli');
    await page.fill(
      '#cls-inputs',
      'The team won the final in overtime.\nThe stock market rallied after the earnings reports.',
    );
    await page.fill('#cls-labels', 'sports, business, science');
    await page.click('#cls-submit');
    const bars = page.locator('#cls-results .bar-row');
    await expect.poll(() => bars.count()).toBe(6);
    const results = await page.locator('#cls-results .result').evaluateAll((blocks) =>
      blocks.map((b) => ({
        labels: [...b.querySelectorAll('.bar-row')].map((r) => r.getAttribute('data-label')),
        scores: [...b.querySelectorAll('.bar-row')].map((r) => Number(r.getAttribute('data-score'))),
        widths: [...b.querySelectorAll('.bar')].map((bar) => bar.getBoundingClientRect().width),
      })),
    );
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect([...r.labels].sort()).toEqual(['business', 'science', 'sports']);
      expect(r.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect([...r.scores].sort((a, b) => b - a)).toEqual(r.scores);
      expect(r.widths.every((w) => w > 0)).toBe(true);
      // Bar lengths follow the scores.
      expect(r.widths[0]).toBeGreaterThanOrEqual(r.widths[2]);
    }
    expect(await page.textContent('#cls-summary')).toContain('strategy nli');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'playground-classify.png'), fullPage: true });
  });

  it("lists fine-tuning jobs, opens one, and charts its loss and accuracy (the jobs API's answers from a fixture)", async () => {
    // The fixture is what the API answers: it must satisfy the routes' response schemas.
    expect(JobListSchema.safeParse(FIXTURE_JOB_LIST).error).toBeUndefined();
    expect(JobSchema.safeParse(FIXTURE_JOB).error).toBeUndefined();
    expect(EventListSchema.safeParse(eventsPage(100, null)).error).toBeUndefined();
    const auth: string[] = [];
    await page.route('**/v1/fine_tuning/jobs**', (route) => {
      const url = new URL(route.request().url());
      auth.push(route.request().headers().authorization ?? '');
      const json = (body: unknown) =>
        route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
      if (url.pathname === '/v1/fine_tuning/jobs') return json(FIXTURE_JOB_LIST);
      if (url.pathname === `/v1/fine_tuning/jobs/${FIXTURE_JOB_ID}`) return json(FIXTURE_JOB);
      if (url.pathname === `/v1/fine_tuning/jobs/${FIXTURE_JOB_ID}/events`) {
        return json(eventsPage(Number(url.searchParams.get('limit') ?? 20), url.searchParams.get('after')));
      }
      return route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({
          error: { message: 'no such job', type: 'invalid_request_error', param: null, code: 'not_found' },
        }),
      });
    });
    await page.click('#tab-finetunes');
    await page.fill('#jobs-key', 'ec_test_key');
    await page.click('#jobs-load');
    const rows = page.locator('#jobs-table tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.locator('.status').allTextContents()).toEqual(['queued', 'running', 'succeeded']);
    await rows.nth(2).click();
    await expect.poll(() => page.locator('#job-chart svg path[data-series]').count()).toBe(3);
    const series = await page
      .locator('#job-chart svg path[data-series]')
      .evaluateAll((paths) =>
        Object.fromEntries(paths.map((p) => [p.getAttribute('data-series'), Number(p.getAttribute('data-points'))])),
      );
    // Training loss at step 1 and every 2 steps to 40; evaluations at 10, 20, 30, 40.
    expect(series).toEqual({ train_loss: 21, eval_loss: 4, eval_accuracy: 4 });
    expect(await page.locator('#job-events tbody tr').count()).toBe(FIXTURE_EVENTS.length);
    expect(await page.textContent('#job-info')).toContain(`ft:tiny-sst2:sentiment:${FIXTURE_JOB_ID}`);
    expect(auth.every((a) => a === 'Bearer ec_test_key')).toBe(true);
    await page.locator('#job-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'playground-finetunes.png'), fullPage: true });
    await page.unroute('**/v1/fine_tuning/jobs**');
  });

  it("shows the server's own answer when it has no fine-tuning (an app started without a data folder): 501 and a hint", async () => {
    await page.click('#jobs-load');
    await expect.poll(() => page.textContent('#jobs-error')).toContain('not_implemented: ');
    expect(await page.textContent('#jobs-error')).toContain('Fine-tuning is off on this server');
  });

  it('renders the API reference at /docs from /openapi.json, and sends a request from it', async () => {
    await page.goto(`${server.url}/docs`);
    await expect.poll(() => page.locator('section.op').count()).toBeGreaterThan(6);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'docs.png') });
    const tokenize = page.locator('section.op[data-method="post"][data-path="/v1/tokenize"]');
    await tokenize.locator('form.try button[type="submit"]').click();
    await expect.poll(() => tokenize.locator('form.try pre').textContent()).toContain('"input_ids"');
    expect(await tokenize.locator('form.try .muted').last().textContent()).toMatch(/^200 OK/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'docs-try-it.png') });
    // No script errors; the only failed loads are the jobs requests the Node server refuses on purpose.
    expect(
      pageErrors.filter((e) => !/Failed to load resource: the server responded with a status of (501|404)/.test(e)),
    ).toEqual([]);
  });
});
