// One model as N onnxruntime-node sessions, each in its own worker thread (ort-node-thread.mjs), behind one
// InferenceSession: up to N runs compute at once, and further runs wait for a free worker. On a small machine this
// beats one session with N intra-op threads (bench/RESULTS.md: ORT's MatMul scales ~1.65x from 1 to 2 threads on
// these small shapes, two independent runs close to 2x), and the event loop stays free while runs compute. Each
// worker holds its own copy of the weights.
import { Worker } from 'node:worker_threads';
import {
  asFloatTensor,
  type FloatTensor,
  type InferenceSession,
  type InputInfo,
  inputInfos,
  type Tensor,
} from './runtime.ts';

type WorkerReply =
  | { type: 'ready'; inputNames: string[]; outputNames: string[]; inputMetadata?: unknown[] }
  | { type: 'result'; outputs: Record<string, { data: unknown; dims: number[]; type?: string }> }
  | { type: 'error'; message: string };

interface Call {
  feeds: Record<string, Tensor>;
  outputs?: readonly string[];
  resolve(outputs: Record<string, FloatTensor>): void;
  reject(err: unknown): void;
}

class SessionWorker {
  private call: Call | null = null;

  constructor(
    private readonly worker: Worker,
    private readonly onFree: (w: SessionWorker) => void,
    private readonly onGone: (w: SessionWorker, err: Error) => void,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (err) => this.gone(err));
    worker.on('exit', (code) => this.gone(new Error(`an onnxruntime worker thread exited (code ${code})`)));
    // Only a run in flight keeps the process alive: an idle pool must not hold a finished CLI command open.
    worker.unref();
  }

  start(call: Call): void {
    this.call = call;
    this.worker.ref();
    this.worker.postMessage({ feeds: call.feeds, outputs: call.outputs });
  }

  terminate(): Promise<number> {
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }

  private settle(reply: WorkerReply): void {
    const call = this.call;
    if (!call) return;
    this.call = null;
    this.worker.unref();
    if (reply.type === 'result') {
      try {
        const result: Record<string, FloatTensor> = {};
        for (const [name, t] of Object.entries(reply.outputs))
          result[name] = asFloatTensor(name, t.data, t.dims, t.type);
        call.resolve(result);
      } catch (err) {
        call.reject(err);
      }
    } else {
      call.reject(
        new Error(
          reply.type === 'error' ? reply.message : `unexpected reply '${reply.type}' from an onnxruntime worker`,
        ),
      );
    }
    this.onFree(this);
  }

  private gone(err: Error): void {
    const call = this.call;
    this.call = null;
    call?.reject(err);
    this.onGone(this, err);
  }
}

/** N sessions over the same bytes and options, each in a worker thread; rejects with onnxruntime's message. */
export async function createWorkerSessions(
  bytes: Uint8Array,
  options: Record<string, unknown>,
  count: number,
): Promise<InferenceSession> {
  const started = Array.from(
    { length: count },
    () => new Worker(new URL('./ort-node-thread.mjs', import.meta.url), { workerData: { bytes, options } }),
  );
  let names: { inputNames: string[]; outputNames: string[]; inputs?: InputInfo[] };
  try {
    const replies = await Promise.all(
      started.map(
        (w) =>
          new Promise<WorkerReply>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
            w.once('exit', (code) =>
              reject(new Error(`an onnxruntime worker thread exited (code ${code}) while loading the model`)),
            );
          }),
      ),
    );
    const failed = replies.find((r) => r.type !== 'ready');
    if (failed)
      throw new Error(
        failed.type === 'error' ? failed.message : `unexpected reply '${failed.type}' from an onnxruntime worker`,
      );
    const ready = replies[0] as Extract<WorkerReply, { type: 'ready' }>;
    names = { inputNames: ready.inputNames, outputNames: ready.outputNames, inputs: inputInfos(ready.inputMetadata) };
  } catch (err) {
    await Promise.all(started.map((w) => w.terminate()));
    throw err;
  }

  const idle: SessionWorker[] = [];
  const waiting: Call[] = [];
  let live = count;
  let closed: Error | null = null;
  const dispatch = (w: SessionWorker) => {
    const next = waiting.shift();
    if (next) w.start(next);
    else idle.push(w);
  };
  const onGone = (w: SessionWorker, err: Error) => {
    const i = idle.indexOf(w);
    if (i >= 0) idle.splice(i, 1);
    if (--live > 0 || closed) return;
    closed = err;
    for (const call of waiting.splice(0)) call.reject(err);
  };
  const workers = started.map((w) => new SessionWorker(w, dispatch, onGone));
  idle.push(...workers);

  return {
    inputNames: names.inputNames,
    inputs: names.inputs,
    outputNames: names.outputNames,
    concurrentRuns: count,
    run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, FloatTensor>> {
      return new Promise((resolve, reject) => {
        if (closed) return reject(closed);
        const call: Call = { feeds, outputs, resolve, reject };
        const w = idle.pop();
        if (w) w.start(call);
        else waiting.push(call);
      });
    },
    async release(): Promise<void> {
      closed = new Error('the session was released');
      for (const call of waiting.splice(0)) call.reject(closed);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
