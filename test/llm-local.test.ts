// The local llm strategy on a tiny random GPT-2 (its answers mean nothing; the arithmetic must be exact): scores
// are the softmax of each label's summed log-likelihood after the prompt (single-label) or sigmoid(log p(yes) -
// log p(no)) per label (multi-label), as computed directly from the logits of one full row per continuation;
// deterministic; batched into few runs whatever the budget; long inputs cut to fit.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyWithLocalLm,
  createGpt2CausalLm,
  scoreContinuations,
  type CausalLm,
  type SessionRun,
} from '../src/core/classify/llm-local.ts';
import {
  DEFAULT_MULTI_LABEL_TEMPLATE,
  DEFAULT_SINGLE_LABEL_TEMPLATE,
  renderTemplate,
} from '../src/core/classify/llm-prompt.ts';
import { RequestError } from '../src/core/errors.ts';
import { initGpt2Model } from '../src/nn/gpt2-init.ts';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { MODELS_DIR } from './support/paths.ts';
import { openSession, type OrtSession } from './support/ort-session.ts';

const INPUTS = [
  'The match ended in a late winner for the home side.',
  'Shares fell sharply after the earnings report.',
  'A new phone was announced today.',
];
const LABELS = ['sports', 'business', 'science and technology', 'world news'];

let root: string;
let session: OrtSession;
let configJson: unknown;
let tokenizer: Tokenizer;
/** The batch shapes each run saw. */
let runs: number[][] = [];

const lmWith = (options: { maxLogitsPerRun?: number } = {}): CausalLm => {
  const run: SessionRun = (feeds) => {
    runs.push([...feeds.input_ids.dims]);
    return session.run(feeds);
  };
  return createGpt2CausalLm(configJson, tokenizer, run, { inputNames: session.inputNames, ...options });
};

/** log p(target | prompt) from the logits of the single row prompt + target, in float64. */
async function direct(lm: CausalLm, prompt: number[], target: number[]): Promise<number> {
  const out = await lm.logits([prompt.concat(target)]);
  const V = out.dims[2];
  let sum = 0;
  target.forEach((token, k) => {
    const row = out.data.subarray((prompt.length - 1 + k) * V, (prompt.length + k) * V);
    const max = row.reduce((m, x) => Math.max(m, x), -Infinity);
    const logZ = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    sum += row[token] - logZ;
  });
  return sum;
}

const softmax = (x: number[]) => {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
};

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'edgeclass-llm-local-'));
  const dir = path.join(root, 'tiny-gpt2');
  initGpt2Model({
    layers: 2,
    hidden: 32,
    heads: 4,
    positions: 128,
    tokenizerDir: path.join(MODELS_DIR, 'roberta-base'),
    seed: 21,
    std: 0.3,
    out: dir,
  });
  configJson = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  tokenizer = Tokenizer.fromJson(JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
  session = await openSession(new Uint8Array(readFileSync(path.join(dir, 'onnx/model.onnx'))));
});
afterAll(async () => {
  await session.release();
  rmSync(root, { recursive: true, force: true });
});

describe('local llm scoring', () => {
  it("single-label: the softmax of each label's summed log-likelihood, computed directly from the logits", async () => {
    const lm = lmWith();
    const scores = await classifyWithLocalLm(lm, INPUTS, LABELS, { multiLabel: false });
    expect(scores).toHaveLength(INPUTS.length);
    for (const [i, text] of INPUTS.entries()) {
      expect(scores[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const prompt = [0, ...lm.encode(renderTemplate(DEFAULT_SINGLE_LABEL_TEMPLATE, { text, labels: LABELS }))];
      const logLikelihoods = await Promise.all(LABELS.map((l) => direct(lm, prompt, lm.encode(` ${l}`))));
      const want = softmax(logLikelihoods);
      scores[i].forEach((s, j) => expect(Math.abs(s - want[j])).toBeLessThan(1e-5));
      const best = logLikelihoods.indexOf(Math.max(...logLikelihoods));
      expect(scores[i].indexOf(Math.max(...scores[i]))).toBe(best);
    }
    // The random model does not prefer one label everywhere by construction; the scores are not uniform.
    expect(Math.max(...scores.flat()) - Math.min(...scores.flat())).toBeGreaterThan(1e-3);
  });

  it('is deterministic, and the same whatever the logits budget (one run, or one row per run)', async () => {
    runs = [];
    const once = await classifyWithLocalLm(lmWith({ maxLogitsPerRun: 2 ** 30 }), INPUTS, LABELS, { multiLabel: false });
    expect(runs).toHaveLength(1); // every (input, label) continuation of the request in one run
    // Rows: one per multi-token label per input; the one-token labels share them.
    const multiToken = LABELS.filter((l) => tokenizer.encode(` ${l}`).ids.length > 1).length;
    expect(runs[0][0]).toBe(INPUTS.length * Math.max(1, multiToken));
    runs = [];
    const again = await classifyWithLocalLm(lmWith({ maxLogitsPerRun: 1 }), INPUTS, LABELS, { multiLabel: false });
    expect(runs.every(([b]) => b === 1)).toBe(true);
    again.forEach((row, i) => row.forEach((s, j) => expect(Math.abs(s - once[i][j])).toBeLessThan(1e-6)));
    // The default budget (8M logits, 32 MB) splits this request's 50265-token vocabulary logits into a few runs.
    runs = [];
    const budget = lmWith().maxLogitsPerRun;
    const split = await classifyWithLocalLm(lmWith(), INPUTS, LABELS, { multiLabel: false });
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.every(([b, t]) => b === 1 || b * t * 50265 <= budget)).toBe(true);
    split.forEach((row, i) => row.forEach((s, j) => expect(Math.abs(s - once[i][j])).toBeLessThan(1e-6)));
    expect(await classifyWithLocalLm(lmWith(), INPUTS, LABELS, { multiLabel: false })).toEqual(split);
  });

  it('multi-label: sigmoid(log p(" yes") - log p(" no")) per label, one row per (input, label)', async () => {
    const lm = lmWith({ maxLogitsPerRun: 2 ** 30 });
    runs = [];
    const scores = await classifyWithLocalLm(lm, INPUTS, LABELS, { multiLabel: true });
    expect(runs).toEqual([[INPUTS.length * LABELS.length, expect.any(Number)]]);
    for (const [i, text] of INPUTS.entries()) {
      for (const [j, label] of LABELS.entries()) {
        const prompt = [0, ...lm.encode(renderTemplate(DEFAULT_MULTI_LABEL_TEMPLATE, { text, labels: LABELS, label }))];
        const yes = await direct(lm, prompt, lm.encode(' yes'));
        const no = await direct(lm, prompt, lm.encode(' no'));
        expect(Math.abs(scores[i][j] - 1 / (1 + Math.exp(no - yes)))).toBeLessThan(1e-5);
        expect(scores[i][j]).toBeGreaterThan(0);
        expect(scores[i][j]).toBeLessThan(1);
      }
    }
  });

  it("length normalisation divides each label's log-likelihood by its token count", async () => {
    const lm = lmWith();
    const scores = await classifyWithLocalLm(lm, [INPUTS[0]], LABELS, { multiLabel: false, lengthNormalize: true });
    const prompt = [
      0,
      ...lm.encode(renderTemplate(DEFAULT_SINGLE_LABEL_TEMPLATE, { text: INPUTS[0], labels: LABELS })),
    ];
    const means = await Promise.all(
      LABELS.map(async (l) => {
        const target = lm.encode(` ${l}`);
        return (await direct(lm, prompt, target)) / target.length;
      }),
    );
    softmax(means).forEach((want, j) => expect(Math.abs(scores[0][j] - want)).toBeLessThan(1e-5));
  });

  it('scoreContinuations shares rows between continuations that extend one another', async () => {
    const lm = lmWith();
    const prompt = [0, ...lm.encode('The weather today is')];
    const targets = [lm.encode(' sunny and warm'), lm.encode(' sunny'), lm.encode(' cold'), lm.encode(' sunny and')];
    runs = [];
    const [got] = await scoreContinuations(lm, [{ prompt, targets }]);
    expect(runs).toEqual([[1, prompt.length + targets[0].length - 1]]); // all four read one row
    for (const [k, t] of targets.entries()) expect(Math.abs(got[k] - (await direct(lm, prompt, t)))).toBeLessThan(1e-5);
  });

  it("uses a caller's template, and refuses templates without {text} (or {label} for multi-label)", async () => {
    const lm = lmWith();
    const template = 'Topic of "{text}" among {labels}? It is';
    const scores = await classifyWithLocalLm(lm, [INPUTS[1]], LABELS, { multiLabel: false, promptTemplate: template });
    const prompt = [0, ...lm.encode(`Topic of "${INPUTS[1]}" among ${LABELS.join(', ')}? It is`)];
    const want = softmax(await Promise.all(LABELS.map((l) => direct(lm, prompt, lm.encode(` ${l}`)))));
    want.forEach((w, j) => expect(Math.abs(scores[0][j] - w)).toBeLessThan(1e-5));
    await expect(
      classifyWithLocalLm(lm, ['x'], LABELS, { multiLabel: false, promptTemplate: 'no placeholder' }),
    ).rejects.toThrow(/must contain \{text\}/);
    await expect(
      classifyWithLocalLm(lm, ['x'], LABELS, { multiLabel: true, promptTemplate: '{text} {labels}' }),
    ).rejects.toThrow(/must contain \{label\}/);
    await expect(classifyWithLocalLm(lm, ['x'], ['ok', ' '], { multiLabel: false })).rejects.toBeInstanceOf(
      RequestError,
    );
    await expect(classifyWithLocalLm(lm, ['x'], ['ok', 'ok '], { multiLabel: false })).rejects.toThrow(
      /labels\[1\] repeats labels\[0\]/,
    );
    await expect(classifyWithLocalLm(lm, ['x'], [], { multiLabel: false })).rejects.toThrow(/at least one label/);
  });

  it("cuts a long input at its end so prompt and label fit the model's positions", async () => {
    const lm = lmWith();
    runs = [];
    const long = 'word '.repeat(400);
    const [scores] = await classifyWithLocalLm(lm, [long], LABELS, { multiLabel: false });
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Math.max(...runs.map(([, t]) => t))).toBeLessThanOrEqual(lm.maxLength);
    const [multi] = await classifyWithLocalLm(lm, [long], LABELS.slice(0, 2), { multiLabel: true });
    expect(multi).toHaveLength(2);
  });
});
