// `edgeclass train` at its edges, as a user meets them (bin/edgeclass.mjs in a child process, a tiny BERT, SST-2
// rows): label ids keep the base model's names; an empty, header-only or one-example file is refused naming the
// file; --resume says where it resumes from, refuses an empty folder and other data or batch size; Ctrl-C says
// where the newest checkpoint is and how to go on.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initModel } from '../src/nn/init-model.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';

const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-train-cli-'));
const base = path.join(root, 'tiny-sst2');
const rows = fs.readFileSync(path.join(SST2, 'train.tsv'), 'utf8').split('\n');
const data = (name: string, lines: string[]) => {
  const file = path.join(root, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
};
const small = data('small.tsv', rows.slice(0, 41)); // the header and 40 examples, labels 0 and 1

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function train(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), 'train', '--base', base, '--max-length', '16', ...args],
      { timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(() => {
  initModel({
    arch: 'bert',
    layers: 1,
    hidden: 16,
    heads: 2,
    intermediate: 32,
    labels: ['negative', 'positive'],
    tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
    seed: 3,
    out: base,
  });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('edgeclass train', () => {
  it("keeps the base model's label names when the data's labels are its ids, and says so", async () => {
    const out = path.join(root, 'named');
    const r = await train('--train', small, '--out', out, '--epochs', '1', '--batch-size', '8', '--json');
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config.id2label).toEqual({ 0: 'negative', 1: 'positive' });
    expect(r.stderr).toContain("keeping the base model's names (0=negative, 1=positive)");
    expect(JSON.parse(r.stdout).labels).toEqual(['negative', 'positive']);
    // --labels still wins.
    const given = path.join(root, 'given');
    const g = await train('--train', small, '--out', given, '--epochs', '1', '--labels', 'bad,good');
    expect(g.code, g.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(given, 'config.json'), 'utf8')).id2label).toEqual({
      0: 'bad',
      1: 'good',
    });
  });

  it('refuses an empty, a header-only and a one-example file, naming the file, exit 1', async () => {
    for (const [name, lines] of [
      ['empty.tsv', []],
      ['header-only.tsv', [rows[0]]],
    ] as const) {
      const file = data(name, [...lines]);
      const r = await train('--train', file, '--out', path.join(root, `out-${name}`));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${file} has no examples`);
      expect(r.stderr).not.toContain('id2label');
    }
    const one = await train('--train', data('one.tsv', rows.slice(0, 2)), '--out', path.join(root, 'out-one'));
    expect(one.code).toBe(1);
    expect(one.stderr).toContain('no examples left to train on: 1 in the training data, 1 of them held out');
  });

  it('--resume: refuses an empty folder, says where it resumes from, refuses other data or batch size', async () => {
    const out = path.join(root, 'resumable');
    const empty = await train('--train', small, '--out', out, '--resume');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('there is no checkpoint-*/ in');
    const first = await train('--train', small, '--out', out, '--epochs', '1', '--batch-size', '8');
    expect(first.code, first.stderr).toBe(0);
    const again = await train('--train', small, '--out', out, '--epochs', '1', '--batch-size', '8', '--resume');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming from \S+checkpoint-5 \(step 5\)/);
    const batch = await train('--train', small, '--out', out, '--epochs', '1', '--batch-size', '4', '--resume');
    expect(batch.code).toBe(1);
    expect(batch.stderr).toContain('--batch-size was 8, now 4');
    const other = data('other.tsv', [rows[0], ...rows.slice(41, 81)]);
    const moved = await train('--train', other, '--out', out, '--epochs', '1', '--batch-size', '8', '--resume');
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('the training data differs (36 examples then, 36 now, other content)');
  });

  it('Ctrl-C exits 130 and names the newest checkpoint and the command that resumes from it', async () => {
    const out = path.join(root, 'interrupted');
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin/edgeclass.mjs'),
        'train',
        '--base',
        base,
        '--train',
        small,
        '--out',
        out,
        '--epochs',
        '500',
        '--eval-steps',
        '2',
        '--batch-size',
        '8',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt once a checkpoint exists (training 500 epochs takes far longer than the test waits).
    const deadline = Date.now() + 90_000;
    while (!fs.existsSync(out) || !fs.readdirSync(out).some((f) => /^checkpoint-\d+$/.test(f))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no checkpoint: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted; the newest checkpoint is \S+checkpoint-\d+ \(step \d+\)/);
    expect(stderr).toMatch(/edgeclass train --base \S+ --train \S+ --out \S+ .*--resume\n/);
  });
});
