// `edgeclass models list | pull | sync`: see what a models directory holds, fill it from the Hugging Face Hub,
// and upload it to the Worker's R2 bucket (wrangler dev's local one, or the real one).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pullModel, type PullProgress } from '../../hub/index.ts';
import { DTYPES, dtypeFile, isModelDtype } from '../../core/dtypes.ts';
import { FsModelStore, resolveModelsDir } from '../../store/fs-store.ts';
import type { ModelInfo } from '../../store/model-store.ts';
import { type CommandSpec, type OptionSpec, parseCommand, runSubcommand, UsageError } from '../args.ts';
import { formatTable } from '../table.ts';

/** The bucket wrangler.toml binds as MODELS. */
const DEFAULT_BUCKET = 'edgeclass-models';
/** wrangler's own default, relative to the directory of the wrangler configuration file. */
const WRANGLER_STATE_DIR = '.wrangler/state';
const WRANGLER_CONFIG_FILES = ['wrangler.toml', 'wrangler.json', 'wrangler.jsonc'];
/** `wrangler r2 object put` is a process per file; a few at once hide its start-up time. */
const REMOTE_UPLOAD_CONCURRENCY = 4;

const MODELS_OPTION = {
  type: 'string',
  valueName: 'dirs',
  description: 'the models folder(s), colon-separated, first wins (default: EDGECLASS_MODELS_DIR, else ./models)',
} as const;
const LIST = {
  name: 'models list',
  summary: 'List the models of the models folder(s) and their files.',
  options: { models: MODELS_OPTION, json: { type: 'boolean', description: 'print {dir, models} as JSON' } },
  examples: ['edgeclass models list --models models:../shared/models'],
} as const satisfies CommandSpec<OptionSpec>;
const PULL = {
  name: 'models pull',
  summary:
    'Download a model from the Hugging Face Hub into the (first) models folder. Honours HF_ENDPOINT and HF_TOKEN.',
  args: ['<id>'],
  options: {
    revision: { type: 'string', valueName: 'rev', default: 'main', description: 'a branch, tag or commit' },
    dtype: {
      type: 'string',
      valueName: 'dtype',
      description: `only that graph variant plus config and tokenizer files: ${DTYPES.join(', ')} (default: every graph)`,
    },
    models: MODELS_OPTION,
    json: { type: 'boolean', description: 'print what was pulled as JSON' },
  },
  examples: ['edgeclass models pull bert-base-uncased', 'edgeclass models pull Xenova/all-MiniLM-L6-v2 --dtype q8'],
} as const satisfies CommandSpec<OptionSpec>;
const SYNC = {
  name: 'models sync',
  summary:
    'Upload the files serving needs (not checkpoints, not optimizer state) as <id>/<file> to the R2 bucket: ' +
    "with --local into wrangler's local state (what `wrangler dev` and `npm start` read), else with " +
    '`wrangler r2 object put --remote`. Files already there unchanged are skipped.',
  args: ['[ids...]'],
  options: {
    local: { type: 'boolean', description: "wrangler's local R2 bucket" },
    remote: { type: 'boolean', description: 'the real R2 bucket (the default), through wrangler and its login' },
    'persist-to': {
      type: 'string',
      valueName: 'dir',
      description: "wrangler's state folder, with --local (default: .wrangler/state)",
    },
    bucket: { type: 'string', valueName: 'name', default: DEFAULT_BUCKET, description: 'the bucket' },
    models: MODELS_OPTION,
  },
  examples: ['edgeclass models sync --local tiny-embed', 'edgeclass models sync --remote'],
} as const satisfies CommandSpec<OptionSpec>;

export function run(args: string[]): Promise<number> {
  return runSubcommand(
    'models',
    'The models folder(s): list them, fill them from the Hugging Face Hub, upload them to R2.',
    {
      list: { summary: LIST.summary, run: listCommand },
      pull: { summary: PULL.summary, run: pullCommand },
      sync: { summary: 'Upload models to the R2 bucket (--local: what npm start serves).', run: syncCommand },
    },
    args,
  );
}

// ---- list ----

async function listCommand(args: string[]): Promise<number> {
  const { values } = parseCommand(LIST, args);
  const store = new FsModelStore(resolveModelsDir(values.models));
  const models = await store.list();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ dir: store.dir, dirs: store.dirs, models }, null, 2)}\n`);
    return 0;
  }
  if (models.length === 0) {
    process.stderr.write(`no models in ${store.dirs.join(', ')}: ${store.howToProvide}\n`);
    return 0;
  }
  process.stdout.write(
    formatTable(
      ['MODEL', 'FILES'],
      models.map((m) => [m.id, m.files.join(', ')]),
    ),
  );
  return 0;
}

// ---- pull ----

async function pullCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(PULL, args);
  const { dtype } = values;
  if (dtype !== undefined && !isModelDtype(dtype)) throw new UsageError(`--dtype must be one of ${DTYPES.join(', ')}`);
  const [modelId] = positionals;
  const modelsDir = new FsModelStore(resolveModelsDir(values.models)).dir; // pulls go to the first folder
  const progress = new ProgressReporter();
  const result = await pullModel({
    modelId,
    modelsDir,
    revision: values.revision,
    graph: dtype === undefined ? undefined : dtypeFile(dtype),
    onProgress: (p) => progress.update(p),
  });
  progress.finish();
  const downloaded = result.files.filter((f) => f.downloaded).length;
  const bytes = result.files.reduce((sum, f) => sum + f.size, 0);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ model: modelId, revision: result.revision, commit: result.commit ?? null, dir: result.dir, files: result.files })}\n`,
    );
    return 0;
  }
  process.stdout.write(
    `pulled ${modelId}@${result.commit ?? result.revision} into ${result.dir}: ` +
      `${result.files.length} files (${formatBytes(bytes)}), ${downloaded} downloaded, ${result.files.length - downloaded} unchanged\n`,
  );
  return 0;
}

/** Progress on stderr: one rewritten line on a terminal, one line per finished file otherwise (logs, CI). */
class ProgressReporter {
  private readonly interactive = Boolean(process.stderr.isTTY);
  private lastDrawn = 0;
  private lastFile: string | null = null;

  update(p: PullProgress): void {
    const finished = p.bytesTotal !== null && p.bytesDone >= p.bytesTotal;
    const label = `[${p.fileIndex + 1}/${p.fileCount}] ${p.file}`;
    const amount =
      p.bytesTotal === null ? formatBytes(p.bytesDone) : `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}`;
    if (this.interactive) {
      const now = Date.now();
      if (!finished && p.file === this.lastFile && now - this.lastDrawn < 100) return;
      this.lastDrawn = now;
      this.lastFile = p.file;
      process.stderr.write(`\r\x1b[K${label}  ${amount}${finished ? '\n' : ''}`);
    } else if (finished && p.file !== this.lastFile) {
      this.lastFile = p.file;
      process.stderr.write(`${label}  ${amount}\n`);
    }
  }

  finish(): void {
    if (this.interactive) process.stderr.write('\r\x1b[K');
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

// ---- sync ----

/** Where one model file goes: its R2 key and the local file it comes from. */
interface Upload {
  key: string;
  filePath: string;
}

async function syncCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(SYNC, args);
  if (values.local && values.remote) throw new UsageError('choose one of --local and --remote');
  if (values['persist-to'] !== undefined && !values.local)
    throw new UsageError('--persist-to only applies with --local');

  const store = new FsModelStore(resolveModelsDir(values.models));
  const models = selectModels(await store.list(), positionals, store);
  const uploads: Upload[] = models.flatMap((model) =>
    model.files
      .filter(servingNeeds)
      .map((file) => ({ key: `${model.id}/${file}`, filePath: store.pathOf(model.id, file) })),
  );
  const where = values.local ? `local R2 bucket ${values.bucket}` : `R2 bucket ${values.bucket}`;
  process.stderr.write(
    `syncing ${models.length} model(s), ${uploads.length} files, from ${store.dirs.join(', ')} to ${where}\n`,
  );

  const { uploaded, unchanged } = values.local
    ? await uploadToLocalBucket(uploads, values.bucket, localPersistRoot(values['persist-to']))
    : await uploadToRemoteBucket(uploads, values.bucket);
  process.stdout.write(`synced ${models.map((m) => m.id).join(', ')}: ${uploaded} uploaded, ${unchanged} unchanged\n`);
  return 0;
}

/**
 * Whether serving (and a fine-tuning job that starts from the model) needs a file of a model folder: not the
 * trainer's checkpoints, optimizer state and bookkeeping, which `train` leaves beside the model (a tiny model's
 * folder held 19 files, 72 MB, of which serving reads 7).
 */
export function servingNeeds(file: string): boolean {
  const [first] = file.split('/');
  if (/^checkpoint-\d+$/.test(first) || first === 'runs' || first === 'staging') return false;
  return ![
    'optimizer.safetensors',
    'trainer_state.json',
    'training_args.bin',
    'scheduler.pt',
    'rng_state.pth',
  ].includes(file);
}

/** The models named on the command line (all of them when none is), each of which must exist. */
function selectModels(available: ModelInfo[], ids: string[], store: FsModelStore): ModelInfo[] {
  if (ids.length === 0) {
    if (available.length === 0) throw new Error(`no models in ${store.dirs.join(', ')}: ${store.howToProvide}`);
    return available;
  }
  return ids.map((id) => {
    const model = available.find((m) => m.id === id);
    if (!model) throw new Error(`model '${id}' is not in ${store.dirs.join(', ')}: ${store.howToProvide}`);
    return model;
  });
}

/**
 * The directory wrangler persists local bindings in: `--persist-to` relative to the working directory, else
 * `.wrangler/state` beside the nearest wrangler configuration file, else in the working directory. Inside it,
 * wrangler 4 keeps every binding under `v3/` (R2 in `v3/r2/<bucket name>/`), the root we hand to miniflare.
 */
function localPersistRoot(persistTo: string | undefined): string {
  const state =
    persistTo !== undefined
      ? path.resolve(persistTo)
      : path.join(findWranglerConfigDir() ?? process.cwd(), WRANGLER_STATE_DIR);
  return path.join(state, 'v3');
}

function findWranglerConfigDir(): string | null {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (WRANGLER_CONFIG_FILES.some((name) => existsSync(path.join(dir, name)))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * Writes objects through the bucket binding of a tiny Worker: request bodies stream into R2 (Content-Length gives
 * R2 the length it needs), so a 400 MB safetensors file is never held in memory, unlike a put of bytes through
 * miniflare's binding proxy (measured: 200 MB took 9.7 s and 1.35 GB RSS that way, 2.6 s and 0.34 GB streamed).
 */
const LOCAL_UPLOAD_WORKER = `export default {
  async fetch(request, env) {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    try {
      await env.MODELS.put(key, request.body, { httpMetadata: { contentType: request.headers.get('content-type') } });
      return new Response(null, { status: 204 });
    } catch (err) {
      return new Response(String(err && err.message || err), { status: 500 });
    }
  },
};`;

/**
 * One miniflare instance for the whole sync (wrangler's `r2 object put --local` starts one per object), opened on
 * the same persistence root and bucket id that `wrangler dev` uses, so the Worker sees what we write. Files whose
 * size and MD5 (the R2 etag of a single-part upload) already match are skipped.
 */
async function uploadToLocalBucket(uploads: Upload[], bucketName: string, persistRoot: string) {
  const { Miniflare } = await import('miniflare');
  const miniflare = new Miniflare({
    modules: true,
    script: LOCAL_UPLOAD_WORKER,
    defaultPersistRoot: persistRoot,
    r2Buckets: { MODELS: bucketName },
  });
  let uploaded = 0;
  let unchanged = 0;
  try {
    const bucket = await miniflare.getR2Bucket('MODELS');
    for (const { key, filePath } of uploads) {
      const { size } = await stat(filePath);
      const existing = await bucket.head(key);
      if (existing !== null && existing.size === size && existing.etag === (await md5OfFile(filePath))) {
        unchanged++;
        continue;
      }
      const response = await miniflare.dispatchFetch(`http://localhost/${encodeURIComponent(key)}`, {
        method: 'PUT',
        body: Readable.toWeb(createReadStream(filePath)) as ReadableStream<Uint8Array>,
        duplex: 'half',
        headers: { 'content-length': String(size), 'content-type': contentTypeOf(key) },
      });
      if (response.status !== 204)
        throw new Error(`writing ${key} to the local R2 bucket failed: ${await response.text()}`);
      uploaded++;
      process.stderr.write(`  ${key} (${formatBytes(size)})\n`);
    }
  } finally {
    await miniflare.dispose();
  }
  return { uploaded, unchanged };
}

async function md5OfFile(filePath: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Remote uploads go through wrangler, which holds the user's Cloudflare login; we never handle credentials. */
async function uploadToRemoteBucket(uploads: Upload[], bucketName: string) {
  const wrangler = wranglerCommand();
  let next = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (next < uploads.length) {
      const { key, filePath } = uploads[next++];
      const putArgs = [
        'r2',
        'object',
        'put',
        `${bucketName}/${key}`,
        '--file',
        filePath,
        '--remote',
        '--content-type',
        contentTypeOf(key),
      ];
      const { code, output } = await runProcess(wrangler.command, [...wrangler.args, ...putArgs]);
      if (code === 0) {
        process.stderr.write(`  ${key}\n`);
        continue;
      }
      failures.push(`${key}: wrangler exited with ${code}: ${lastLines(output, 5)}`);
      next = uploads.length; // the usual causes (no login, no bucket) would fail every other file the same way
    }
  };
  await Promise.all(Array.from({ length: Math.min(REMOTE_UPLOAD_CONCURRENCY, uploads.length) }, worker));
  if (failures.length > 0) throw new Error(`upload to R2 failed, sync stopped:\n  ${failures.join('\n  ')}`);
  return { uploaded: uploads.length, unchanged: 0 };
}

/**
 * The project's own wrangler (the version pinned for Node 20), run by this Node, so that the upload works from any
 * working directory; `npx wrangler` where it cannot be found.
 */
function wranglerCommand(): { command: string; args: string[] } {
  try {
    const packageJson = createRequire(import.meta.url).resolve('wrangler/package.json');
    return { command: process.execPath, args: [path.join(path.dirname(packageJson), 'bin', 'wrangler.js')] };
  } catch {
    return { command: process.platform === 'win32' ? 'npx.cmd' : 'npx', args: ['wrangler'] };
  }
}

function runProcess(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (err) => resolve({ code: -1, output: err.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** The end of wrangler's output, without its colours and blank lines, on one line. */
function lastLines(text: string, count: number): string {
  const lines = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ESC of wrangler's ANSI colour codes
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-count).join(' / ');
}

/** What a Worker serving the object straight from R2 would need; model code reads bytes and ignores it. */
function contentTypeOf(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.txt') || key.endsWith('.md')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
