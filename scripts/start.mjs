#!/usr/bin/env node
// `npm start`: the edge API on http://127.0.0.1:8787 in wrangler dev (workerd, local bindings, offline), with the
// local R2 bucket seeded from the models directory (EDGECLASS_MODELS_DIR, default ./models).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};
const port = process.env.PORT ?? '8787';

const sync = spawnSync(process.execPath, [path.join(root, 'bin/edgeclass.mjs'), 'models', 'sync', '--local'], { cwd: root, env, stdio: 'inherit' });
if (sync.status !== 0) {
  console.error('edgeclass: seeding the local R2 bucket failed (see above); starting anyway');
}

const wrangler = spawn(process.execPath, [path.join(root, 'node_modules/wrangler/bin/wrangler.js'), 'dev', '--ip', '127.0.0.1', '--port', port],
  { cwd: root, env, stdio: 'inherit' });
const stop = (signal) => wrangler.kill(signal);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
wrangler.on('exit', (code) => process.exit(code ?? 0));
