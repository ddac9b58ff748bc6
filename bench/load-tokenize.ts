// Load test of POST /v1/tokenize over HTTP with autocannon: the Node server (`edgeclass serve`) and the Worker in
// wrangler dev (workerd, local R2), 1 text and 32 texts per request, texts from AG News. Each server runs in its
// own process; autocannon runs here. Prints p50/p99 latency and requests/s per case.
//
//   npx tsx bench/load-tokenize.ts [--duration 10] [--connections 1,8] [--targets node,wrangler] [--model bert-base-uncased]
//
// A 2-core machine runs the server and the load generator together: with many connections requests queue, so
// latency is reported per concurrency level.
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset, MODELS_DIR, REPO_ROOT } from './lib/tokenize-common.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,8' },
    targets: { type: 'string', default: 'node,wrangler' },
    model: { type: 'string', default: 'bert-base-uncased' },
  },
});
const duration = Number(values.duration);
const concurrencies = values.connections!.split(',').map(Number);
const env = { ...process.env, HF_HUB_OFFLINE: '1', WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
const cli = path.join(REPO_ROOT, 'bin/edgeclass.mjs');

async function waitHealthy(url: string, child: ChildProcess, seconds = 90): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become healthy in ${seconds} s`);
}

async function startNode(port: number): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--models', MODELS_DIR], { env, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child);
  return { url, stop: () => child.kill('SIGTERM') };
}

async function startWrangler(port: number): Promise<{ url: string; stop(): void }> {
  const persist = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-bench-'));
  const sync = spawnSync(process.execPath, [cli, 'models', 'sync', '--local', '--models', MODELS_DIR, '--persist-to', persist], { env, cwd: REPO_ROOT, stdio: 'ignore' });
  if (sync.status !== 0) throw new Error('models sync --local failed');
  const wrangler = path.join(REPO_ROOT, 'node_modules/wrangler/bin/wrangler.js');
  const child = spawn(process.execPath, [wrangler, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persist, '--log-level', 'warn'],
    { env, cwd: REPO_ROOT, stdio: 'ignore', detached: true });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child);
  return { url, stop: () => { try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ } } };
}

interface LoadResult { p50: number; p99: number; rps: number; non2xx: number; errors: number }

function load(url: string, bodies: string[], seconds: number, connections: number): Promise<LoadResult> {
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon({
      url: `${url}/v1/tokenize`,
      connections,
      duration: seconds,
      requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req: any) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
    }, (err: Error | null, r: any) => {
      if (err) return reject(err);
      resolve({ p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, non2xx: r.non2xx, errors: r.errors });
    });
  });
}

const { texts } = loadDataset(null);
const payloads: Record<string, string[]> = {
  '1 text': texts.slice(0, 512).map((t) => JSON.stringify({ model: values.model, inputs: t })),
  '32 texts': Array.from({ length: 64 }, (_, i) => JSON.stringify({ model: values.model, inputs: texts.slice(i * 32, i * 32 + 32).map((t) => [t]) })),
};

const rows: string[] = [];
const ratios: string[] = [];
for (const target of values.targets!.split(',')) {
  const server = target === 'node' ? await startNode(18787) : await startWrangler(18788);
  try {
    for (const connections of concurrencies) {
      for (const [payload, bodies] of Object.entries(payloads)) {
        await load(server.url, bodies, 2, connections); // warm-up: JIT, tokenizer load, connections
        const r = await load(server.url, bodies, duration, connections);
        if (r.non2xx || r.errors) throw new Error(`${target} ${payload}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        rows.push(`| ${target} | ${connections} | ${payload} | ${r.p50} | ${r.p99} | ${Math.round(r.rps)} |`);
        if (payload === '1 text') ratios.push(`RATIO tokenize-p99-1text-${target}-c${connections} ${(r.p99 / 10).toFixed(2)}`);
      }
    }
  } finally {
    server.stop();
  }
}
console.log(`model ${values.model}, ${duration} s per case after a 2 s warm-up, ${os.cpus().length} cores, node ${process.version}`);
console.log('| server | connections | per request | p50 ms | p99 ms | requests/s |\n|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log('(RATIO tokenize-p99-1text-<server>-c<connections> = p99 / the 10 ms goal; below 1 meets it)');
for (const r of ratios) console.log(r);
