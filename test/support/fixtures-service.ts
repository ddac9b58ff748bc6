// A service binding for tests inside workerd, run by Node: it hands the worker the shared files (goldens, model
// folders) and judges tokenizer results with the reference's compare.mjs, since workerd has no file system.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { findAllTokenizeGoldens, judge } from './golden-files.ts';
import { hubFolders } from './hub-golden.ts';
import { HUB_GOLDEN_DIR, MODELS_DIR } from './paths.ts';

function safeJoin(root: string, rel: string): string | null {
  const full = path.resolve(root, rel);
  return full.startsWith(root + path.sep) ? full : null;
}

/** A golden as plain JSON, whether it is stored gzipped or not. */
function jsonFile(file: string): Response {
  const raw = fs.readFileSync(file);
  return new Response(file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw, {
    headers: { 'content-type': 'application/json' },
  });
}

/** Files under `root` as '/'-separated relative paths. */
function listFiles(root: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(root, rel) : [rel];
  });
}

export async function fixturesService(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const goldens = findAllTokenizeGoldens();
  if (url.pathname === '/goldens') {
    return Response.json(goldens.map((g) => ({ tokenizer: g.tokenizer, golden: path.basename(g.golden) })));
  }
  let m = /^\/goldens\/([^/]+)$/.exec(url.pathname);
  if (m) {
    const g = goldens.find((x) => x.tokenizer === m![1]);
    if (!g) return new Response('no such golden', { status: 404 });
    if (url.searchParams.has('overlay')) return g.overlay ? jsonFile(g.overlay) : new Response(null, { status: 204 });
    return jsonFile(g.golden);
  }
  m = /^\/judge\/([^/]+)$/.exec(url.pathname);
  if (m && request.method === 'POST') {
    const g = goldens.find((x) => x.tokenizer === m![1]);
    if (!g) return new Response('no such golden', { status: 404 });
    const raw = Buffer.from(await request.arrayBuffer());
    const text = (request.headers.get('content-encoding') === 'gzip' ? zlib.gunzipSync(raw) : raw).toString('utf8');
    const { cases } = JSON.parse(text) as { cases: { id: string; output: unknown }[] };
    return Response.json(await judge(g, cases, url.searchParams.get('label') ?? 'workerd'));
  }
  // Tiny models made by the workerd suite's globalSetup (test/workerd/global-setup.ts), and Node's answers.
  if (url.pathname === '/tiny-models') {
    const root = process.env.EDGECLASS_TINY_MODELS_DIR;
    if (!root) return new Response('no tiny models: the workerd globalSetup did not run', { status: 500 });
    return Response.json({
      files: listFiles(root),
      answers: JSON.parse(fs.readFileSync(path.join(root, 'node-answers.json'), 'utf8')),
    });
  }
  m = /^\/tiny-models\/(.+)$/.exec(url.pathname);
  if (m && process.env.EDGECLASS_TINY_MODELS_DIR) {
    const file = safeJoin(process.env.EDGECLASS_TINY_MODELS_DIR, decodeURIComponent(m[1]));
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) return new Response('not found', { status: 404 });
    return new Response(fs.readFileSync(file));
  }
  // The Hub-style golden folders (EDGECLASS_HUB_GOLDEN_DIR): their names and files, then each file.
  if (url.pathname === '/hub') {
    return Response.json(hubFolders().map((name) => ({ name, files: listFiles(path.join(HUB_GOLDEN_DIR, name)) })));
  }
  m = /^\/hub\/(.+)$/.exec(url.pathname);
  if (m) {
    const file = safeJoin(HUB_GOLDEN_DIR, decodeURIComponent(m[1]));
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) return new Response('not found', { status: 404 });
    return new Response(fs.readFileSync(file));
  }
  m = /^\/models\/(.+)$/.exec(url.pathname);
  if (m) {
    // The shared models, then the tokenizer folders of the hub goldens (golden/tokenize-hub/models).
    const roots = [...new Set([MODELS_DIR, ...goldens.map((g) => g.modelsDir)])];
    const file = roots
      .map((root) => safeJoin(root, decodeURIComponent(m![1])))
      .find((f) => f !== null && fs.existsSync(f) && fs.statSync(f).isFile());
    if (!file) return new Response('not found', { status: 404 });
    return new Response(fs.readFileSync(file));
  }
  return new Response('not found', { status: 404 });
}
