// Inside the training worker thread: run train() and report over the message port. session.run blocks its
// thread, so the caller's event loop (an HTTP server, a progress bar) stays responsive.
import { parentPort } from 'node:worker_threads';
import { train, type TrainOptions } from './trainer.ts';

export type WorkerRequest = { type: 'start'; options: TrainOptions } | { type: 'cancel' };
export type WorkerMessage =
  | { type: 'progress'; progress: Parameters<NonNullable<TrainOptions['onProgress']>>[0] }
  | { type: 'evaluate'; evaluation: Parameters<NonNullable<TrainOptions['onEvaluate']>>[0] }
  | { type: 'checkpoint'; checkpoint: Parameters<NonNullable<TrainOptions['onCheckpoint']>>[0] }
  | { type: 'done'; result: Awaited<ReturnType<typeof train>> }
  | { type: 'error'; message: string };

const port = parentPort!;
const controller = new AbortController();
port.on('message', (message: WorkerRequest) => {
  if (message.type === 'cancel') {
    controller.abort();
    return;
  }
  const post = (m: WorkerMessage) => port.postMessage(m);
  train({
    ...message.options,
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', progress }),
    onEvaluate: (evaluation) => post({ type: 'evaluate', evaluation }),
    onCheckpoint: (checkpoint) => post({ type: 'checkpoint', checkpoint }),
  }).then(
    (result) => post({ type: 'done', result }),
    (err) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
