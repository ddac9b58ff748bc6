// One ONNX Runtime runner for bench/infer.ts: loads one .onnx in onnxruntime-node or onnxruntime-web (WASM, in Node)
// with a fixed thread count, then serves the line protocol of bench/lib/infer-common.ts on stdin/stdout, so the
// parent can interleave the runtimes round by round (a shared, noisy 2-core VM spreads its noise over all of them).
//
//   node --import tsx bench/lib/infer-worker.ts --runtime node|web --threads N --model FILE --cases FILE [--options JSON]
//
// --options: extra InferenceSession options (JSON), merged over { graphOptimizationLevel: 'all' } (and, for node,
// intraOpNumThreads = --threads, interOpNumThreads = 1). Inputs: the cases file's input_ids, attention_mask all ones,
// token_type_ids all zeros (when the graph has that input). Timed: session.run(feeds) only (tensors made once).
import fs from 'node:fs';
import readline from 'node:readline';
import type { BenchCase, Reply, Request } from './infer-common.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runtime = arg('runtime');
const threads = Number(arg('threads') ?? '1');
const modelFile = arg('model');
const casesFile = arg('cases');
const extra = JSON.parse(arg('options') ?? '{}') as Record<string, unknown>;
if (
  (runtime !== 'node' && runtime !== 'web') ||
  !modelFile ||
  !casesFile ||
  !Number.isInteger(threads) ||
  threads < 1
) {
  throw new Error('usage: infer-worker.ts --runtime node|web --threads N --model FILE --cases FILE [--options JSON]');
}

function send(reply: Reply): void {
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}

const t0 = performance.now();
// Import only the runtime this process measures: onnxruntime-node's native threads stay out of the web runner.
const ort = (
  runtime === 'node' ? await import('onnxruntime-node') : await import('onnxruntime-web')
) as typeof import('onnxruntime-node');
let version = '';
if (runtime === 'web') {
  const web = ort as unknown as typeof import('onnxruntime-web');
  web.env.wasm.numThreads = threads;
  web.env.wasm.proxy = false;
  version = `onnxruntime-web ${web.env.versions?.web ?? '?'}`;
} else {
  version = `onnxruntime-node ${(ort.env.versions as Record<string, string> | undefined)?.node ?? '?'}`;
}
const options: Record<string, unknown> = {
  graphOptimizationLevel: 'all',
  ...(runtime === 'node' ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  ...extra,
};
const bytes = new Uint8Array(fs.readFileSync(modelFile));
const tCreate = performance.now();
const session = await ort.InferenceSession.create(
  bytes,
  options as import('onnxruntime-node').InferenceSession.SessionOptions,
);
const createMs = performance.now() - tCreate;

const cases = (JSON.parse(fs.readFileSync(casesFile, 'utf8')) as { cases: BenchCase[] }).cases;
const feeds = new Map<string, Record<string, import('onnxruntime-node').Tensor>>();
for (const c of cases) {
  const n = c.batch * c.seq;
  const dims = [c.batch, c.seq];
  const f: Record<string, import('onnxruntime-node').Tensor> = {
    input_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from(c.input_ids, (x) => BigInt(x)),
      dims,
    ),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), dims),
  };
  if (session.inputNames.includes('token_type_ids'))
    f.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n), dims);
  feeds.set(c.name, f);
}
send({ ready: true, loadMs: performance.now() - t0, createMs, version, threads, options });

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const msg = JSON.parse(line) as Request;
  try {
    if (msg.cmd === 'quit') {
      send({ ok: true });
      break;
    }
    const f = feeds.get(msg.case);
    if (!f) throw new Error(`unknown case ${msg.case}`);
    if (msg.cmd === 'run') {
      const times: number[] = [];
      for (let i = 0; i < msg.n; i++) {
        const t = performance.now();
        await session.run(f);
        times.push(performance.now() - t);
      }
      send({ ok: true, times });
    } else if (msg.cmd === 'dump') {
      const out = (await session.run(f)).last_hidden_state;
      const data = out.data as Float32Array;
      fs.writeFileSync(msg.file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      send({ ok: true, dims: [...out.dims] });
    }
  } catch (err) {
    send({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}
rl.close();
await session.release();
process.exit(0);
