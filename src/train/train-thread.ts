// train() in a worker thread, with the same callbacks and a cancel signal.
import { Worker } from 'node:worker_threads';
import type { TrainOptions, TrainResult } from './trainer.ts';
import type { WorkerMessage } from './train-thread-main.ts';

type Callbacks = Pick<TrainOptions, 'onProgress' | 'onEvaluate' | 'onCheckpoint' | 'signal'>;

export function trainInWorker(
  options: Omit<TrainOptions, keyof Callbacks>,
  callbacks: Callbacks = {},
): Promise<TrainResult> {
  const worker = new Worker(new URL('./train-thread-entry.mjs', import.meta.url));
  return new Promise<TrainResult>((resolve, reject) => {
    const onAbort = () => worker.postMessage({ type: 'cancel' });
    callbacks.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      callbacks.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') callbacks.onProgress?.(m.progress);
      else if (m.type === 'evaluate') callbacks.onEvaluate?.(m.evaluation);
      else if (m.type === 'checkpoint') callbacks.onCheckpoint?.(m.checkpoint);
      else if (m.type === 'done') {
        finish();
        resolve(m.result);
      } else {
        finish();
        reject(new Error(m.message));
      }
    });
    worker.on('error', (err) => {
      finish();
      reject(err);
    });
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the training worker exited with code ${code}`));
    });
    worker.postMessage({ type: 'start', options });
  });
}
