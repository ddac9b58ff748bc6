// Which way to spend 2 cores on small BERT runs: one onnxruntime-node session with 2 intra-op threads, or two
// sessions with 1 thread each in worker threads, each taking half the batch (onnxruntime-node's session.run is
// synchronous on the calling thread, so runs only overlap in separate threads). Also: what a run costs besides its
// tokens (the per-run overhead that decides when splitting a batch by length pays), and the SkipLayerNormFusion
// session option. Feeds are random ids, all attended; the figure is ms per row (median and min over rounds, the
// runners taking turns, as the machine is shared).
//
//   node --import tsx bench/lib/ort-parallel.ts [--model FILE] [--rounds 15] [--shapes 1x32,4x36,16x36,32x36]
//     [--runners main-2t,main-2t-noskip,main-1t-noskip,workers-2x1t-noskip]
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { InferenceSession as OrtSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { BENCH_MODELS_DIR, EMBED_MODEL } from './classify-common.ts';

const NO_SKIP = { extra: { optimization: { disable_specified_optimizers: 'SkipLayerNormFusion' } } };

interface WorkerInput {
  model: string;
  threads: number;
  noSkip: boolean;
}

async function openSession(model: string, threads: number, noSkip: boolean) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(model)), {
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads } : {}),
    ...(noSkip ? NO_SKIP : {}),
  } as OrtSession.SessionOptions);
  /** One run of B rows of T random ids; returns its ms. */
  return async (B: number, T: number): Promise<number> => {
    const n = B * T;
    const dims = [B, T];
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(1000 + ((i * 7919) % 20000)));
    const feeds: Record<string, OrtTensor> = {
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), dims),
    };
    if (session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n), dims);
    const start = performance.now();
    await session.run(feeds);
    return performance.now() - start;
  };
}

if (!isMainThread) {
  const { model, threads, noSkip } = workerData as WorkerInput;
  const run = await openSession(model, threads, noSkip);
  parentPort!.on('message', async ([B, T]: [number, number]) => parentPort!.postMessage(await run(B, T)));
  parentPort!.postMessage('ready');
} else {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: `${BENCH_MODELS_DIR}/${EMBED_MODEL}/onnx/model.onnx` },
      rounds: { type: 'string', default: '15' },
      shapes: { type: 'string', default: '1x32,2x36,4x36,8x36,16x36,32x36,64x36' },
      runners: { type: 'string', default: 'main-2t,main-2t-noskip,main-1t-noskip,workers-2x1t-noskip' },
    },
  });
  const shapes = values.shapes!.split(',').map((s) => s.split('x').map(Number) as [number, number]);

  /** Runs B rows of T and returns the wall ms per row. */
  type Runner = (B: number, T: number) => Promise<number>;

  async function worker(input: WorkerInput): Promise<(B: number, T: number) => Promise<number>> {
    // Worker threads do not inherit tsx's loader: register it, then load this file.
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const w = new Worker(boot, { eval: true, workerData: input });
    w.unref();
    await new Promise((resolve) => w.once('message', resolve));
    return (B, T) =>
      new Promise((resolve) => {
        w.once('message', resolve);
        w.postMessage([B, T]);
      });
  }

  async function makeRunner(name: string): Promise<Runner> {
    const noSkip = name.endsWith('-noskip');
    const main = /^main-(\d)t/.exec(name);
    if (main) {
      const run = await openSession(values.model!, Number(main[1]), noSkip);
      return async (B, T) => {
        const start = performance.now();
        await run(B, T);
        return (performance.now() - start) / B;
      };
    }
    const pool = /^workers-(\d)x(\d)t/.exec(name);
    if (!pool) throw new Error(`unknown runner ${name}`);
    const workers = await Promise.all(
      Array.from({ length: Number(pool[1]) }, () => worker({ model: values.model!, threads: Number(pool[2]), noSkip })),
    );
    // The batch split evenly over the workers; a batch smaller than the pool gives each worker one row.
    return async (B, T) => {
      const parts = workers
        .map((_, i) => Math.floor(B / workers.length) + (i < B % workers.length ? 1 : 0))
        .map((b) => Math.max(b, 1));
      const start = performance.now();
      await Promise.all(parts.map((b, i) => workers[i](b, T)));
      return (performance.now() - start) / parts.reduce((a, b) => a + b, 0);
    };
  }

  const names = values.runners!.split(',');
  const runners = new Map<string, Runner>();
  for (const name of names) runners.set(name, await makeRunner(name));
  const times = new Map<string, number[]>();
  for (const [B, T] of shapes) for (const name of names) await runners.get(name)!(B, T); // warm-up
  const rounds = Number(values.rounds);
  for (let r = 0; r < rounds; r++) {
    for (const [B, T] of shapes) {
      const order = r % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const key = `${B}x${T} ${name}`;
        const repeat = Math.max(1, Math.round(8 / B));
        for (let k = 0; k < repeat; k++)
          (times.get(key) ?? times.set(key, []).get(key)!).push(await runners.get(name)!(B, T));
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `${os.cpus().length} cores (${os.cpus()[0]?.model}), ${rounds} rounds, load average at the end ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log('| shape | runner | median ms/row | min ms/row | samples |');
  console.log('|---|---|---:|---:|---:|');
  for (const [key, xs] of times) {
    const [shape, name] = key.split(' ');
    console.log(`| ${shape} | ${name} | ${median(xs).toFixed(3)} | ${Math.min(...xs).toFixed(3)} | ${xs.length} |`);
  }
  process.exit(0);
}
