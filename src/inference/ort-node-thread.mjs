// One onnxruntime-node session in a worker thread, for ort-node-pool.ts. onnxruntime-node's session.run computes
// synchronously on the thread that calls it, so two runs only overlap when their sessions live in two threads.
// Plain JavaScript: the worker needs nothing of the TypeScript sources, and starts without a loader.
//
// Protocol (types in ort-node-pool.ts): workerData {bytes, options}; the worker answers {type: 'ready',
// inputNames, outputNames, inputMetadata} or {type: 'error', message}; then each {feeds, outputs} gets {type: 'result', outputs}
// (the output buffers transferred, not copied) or {type: 'error', message}, one run at a time.
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';

const port = parentPort;
const message = (err) => (err instanceof Error ? err.message : String(err));

let session;
try {
  session = await ort.InferenceSession.create(workerData.bytes, workerData.options);
} catch (err) {
  port.postMessage({ type: 'error', message: message(err) });
}

if (session) {
  port.on('message', async ({ feeds, outputs }) => {
    try {
      const ortFeeds = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const out = outputs ? await session.run(ortFeeds, outputs) : await session.run(ortFeeds);
      const result = {};
      const transfer = new Set();
      for (const [name, t] of Object.entries(out)) {
        result[name] = { data: t.data, dims: t.dims, type: t.type };
        if (t.data?.buffer instanceof ArrayBuffer) transfer.add(t.data.buffer);
      }
      port.postMessage({ type: 'result', outputs: result }, [...transfer]);
    } catch (err) {
      port.postMessage({ type: 'error', message: message(err) });
    }
  });
  port.postMessage({
    type: 'ready',
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
  });
}
