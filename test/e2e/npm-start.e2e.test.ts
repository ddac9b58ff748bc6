// `npm start` (scripts/start.mjs) as a user runs it: wrangler dev and one GPU worker on loopback, the generated
// admin token printed, a fine-tuning job run to the end, and Ctrl-C stopping both. Its state goes to a temporary
// folder (EDGECLASS_STATE_DIR), its models come from a temporary models folder. Settings of the environment reach
// the Worker (EDGECLASS_WEBHOOK_ALLOW_PRIVATE=1 allows a loopback webhook), no secret is on a command line, and
// the job's events come in the order they happened, each once.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initModel } from '../../src/nn/init-model.ts';
import { MODELS_DIR, REPO_ROOT } from '../support/paths.ts';
import { freePort, SERVER_ENV } from '../support/servers.ts';

const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-npm-start-'));
let pid = 0;

afterAll(() => {
  if (pid)
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  fs.rmSync(root, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs the edge and a worker that trains a job, and stops both on Ctrl-C', async () => {
    const models = path.join(root, 'models');
    initModel({
      arch: 'bert',
      layers: 1,
      hidden: 16,
      heads: 2,
      intermediate: 32,
      tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
      seed: 2,
      out: path.join(models, 'tiny-start'),
    });
    const port = await freePort();
    const env: Record<string, string | undefined> = {
      ...SERVER_ENV,
      PORT: String(port),
      EDGECLASS_MODELS_DIR: models,
      EDGECLASS_STATE_DIR: path.join(root, 'state'),
      EDGECLASS_WEBHOOK_ALLOW_PRIVATE: '1',
      EDGECLASS_WORKER_POLL_MS: '1000', // many polls, none of which may be logged
    };
    delete env.EDGECLASS_WORKER_SECRET;
    delete env.EDGECLASS_ADMIN_KEY;
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts/start.mjs')], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    pid = child.pid!;
    let output = '';
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const until = async <T>(
      what: string,
      probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
      ms = 120_000,
    ): Promise<T> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = await Promise.resolve()
          .then(probe)
          .catch(() => null);
        if (v) return v;
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`npm start: no ${what}:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    };

    const admin = await until(
      'admin token',
      () => /admin token, to create API keys \(POST \/v1\/api_keys\): (\S+)/.exec(output)?.[1],
    );
    await until('worker', () => output.includes('"msg":"worker started"'));
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/healthz`)).ok).toBe(true);
    // The command lines of npm start's processes (what any user of the machine sees in ps) hold no secret.
    const kept = JSON.parse(fs.readFileSync(path.join(root, 'state', 'edgeclass-dev.json'), 'utf8'));
    const commandLines = execFileSync('ps', ['-eo', 'pgid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => Number(line.trim().split(/\s+/)[0]) === pid)
      .join('\n');
    expect(commandLines).toContain('wrangler.js dev');
    expect(commandLines).toContain('edgeclass.mjs worker');
    expect(commandLines).not.toContain(admin);
    expect(commandLines).not.toContain(kept.EDGECLASS_WORKER_SECRET);
    // The secrets are kept for the next start, never in the repository.
    expect(JSON.parse(fs.readFileSync(path.join(root, 'state', 'edgeclass-dev.json'), 'utf8'))).toMatchObject({
      EDGECLASS_ADMIN_KEY: admin,
    });

    // A model made while it runs reaches the local R2 bucket by itself (no `models sync`), and is served.
    initModel({
      arch: 'bert',
      layers: 1,
      hidden: 16,
      heads: 2,
      intermediate: 32,
      labels: ['negative', 'positive'],
      tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
      seed: 3,
      out: path.join(models, 'tiny-later'),
    });
    // Polled: the folder is written file by file, and may be synced in two goes.
    const later = await until('tiny-later served', async () => {
      const res = await fetch(`${url}/v1/classify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tiny-later', inputs: ['a charming film'] }),
      });
      return res.status === 200 ? res : null;
    });
    expect(((await later.json()) as any).results[0].labels.sort()).toEqual(['negative', 'positive']);

    const key = (
      (await (
        await fetch(`${url}/v1/api_keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as any
    ).key;
    const rows = `${fs.readFileSync(path.join(SST2, 'train.tsv'), 'utf8').split('\n').slice(0, 121).join('\n')}\n`;
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    form.append('file', new File([rows], 'train.tsv'));
    const file = (await (
      await fetch(`${url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
    ).json()) as any;
    const job = (await (
      await fetch(`${url}/v1/fine_tuning/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'tiny-start',
          training_file: file.id,
          hyperparameters: { n_epochs: 1, batch_size: 16, max_length: 32, learning_rate: 1e-3 },
          // Refused (400) unless EDGECLASS_WEBHOOK_ALLOW_PRIVATE=1 of npm start's environment reached the Worker.
          webhook: { url: `http://127.0.0.1:${await freePort()}/hooks` },
        }),
      })
    ).json()) as any;
    expect(job.status, JSON.stringify(job)).toMatch(/validating_files|queued/);
    const done = await until('succeeded job', async () => {
      const j = (await (
        await fetch(`${url}/v1/fine_tuning/jobs/${job.id}`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as any;
      if (j.status === 'failed') throw new Error(JSON.stringify(j.error));
      return j.status === 'succeeded' ? j : null;
    });
    const classify = await fetch(`${url}/v1/classify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: done.fine_tuned_model,
        strategy: 'model',
        inputs: ['a charming film', 'dull and long'],
      }),
    });
    expect(classify.status).toBe(200);
    // The events, oldest first: each once, a step's validation before its checkpoint.
    const events = (
      (await (
        await fetch(`${url}/v1/fine_tuning/jobs/${job.id}/events?limit=100`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).json()) as any
    ).data.reverse() as { message: string }[];
    const messages = events.map((e) => e.message);
    expect(
      messages.filter((m) => /successfully completed/.test(m)),
      messages.join('\n'),
    ).toHaveLength(1);
    expect(new Set(messages).size, messages.join('\n')).toBe(messages.length);
    const validation = messages.findIndex((m) => /validation|evaluation/i.test(m));
    const checkpoint = messages.findIndex((m) => /checkpoint saved/i.test(m));
    if (validation >= 0 && checkpoint >= 0) expect(validation, messages.join('\n')).toBeLessThan(checkpoint);
    // Polls that found nothing are not logged (neither by the app nor by wrangler); the claim that got the job is.
    expect(output).not.toMatch(/internal\/worker\/claim 204|"route":"\/internal\/worker\/claim","status":204/);
    expect(output).toContain('"route":"/internal/worker/claim","status":200');
    // The queue consumer pushed the job to the worker's wake-up port (EDGECLASS_WORKER_PUSH_URL).
    expect(output).toContain('"msg":"woken up"');

    // Ctrl-C: the terminal sends SIGINT to the whole process group.
    process.kill(-pid, 'SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(code, output.slice(-2000)).toBe(0);
    pid = 0;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 300_000);
});
