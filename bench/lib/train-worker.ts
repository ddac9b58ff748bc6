// One edgeclass training-step runner for bench/train.ts: builds one case's step graph (forward + loss + backward +
// the gradients' norm) at one backward precision, serializes it, opens it with src/train/session.ts's
// createGraphSession (cpu, --threads intra-op threads), then serves the line protocol of bench/lib/infer-common.ts on
// stdin/stdout so the parent can interleave it with the other runners of the case.
//
//   node --import tsx bench/lib/train-worker.ts --case A|B|C --precision float64|float32 [--threads 2]
//                                              [--ep cpu|webgpu|cuda] [--arena on|off]
//
// One timed step (bench/lib/train-cases.ts TrainState.run) = building the feeds as the trainer does (weights, fresh
// dropout masks from keepMasks) + session.run (the gradients into the state's buffers) + the trainer's optimizerStep
// (clipping and AdamW in place, src/train/optimizer.ts).
//   -> {"cmd": "run", "case": "A", "n": 1}   <- {"ok": true, "times": [ms]}
//   -> {"cmd": "dump", "case": "A", "file": F} <- {"ok": true}   (F: JSON with every step's breakdown, peak RSS)
//   -> {"cmd": "quit"}
//
// With --first-loss FILE it does one thing and exits: builds the case with dropout off, writes its initial weights to
// FILE (safetensors, for PyTorch to load), takes one step and prints {"ok": true, "loss": L}: the loss at those
// weights, which bench/train.ts compares with PyTorch's on the same weights before timing anything.
import fs from 'node:fs';
import readline from 'node:readline';
import * as ort from 'onnxruntime-node';
import { writeSafetensors } from '../../src/nn/safetensors.ts';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../src/train/execution-provider.ts';
import { createGraphSession } from '../../src/train/session.ts';
import type { Reply, Request } from './infer-common.ts';
import { buildCase, caseInputs, CASES, stepBytes, TrainState, type Precision, type StepTiming } from './train-cases.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const c = CASES[(arg('case') ?? '') as 'A'];
const precision = arg('precision') as Precision;
const threads = Number(arg('threads') ?? '2');
const ep = (arg('ep') ?? 'cpu') as ExecutionProvider;
const arena = (arg('arena') ?? 'on') === 'on';
if (
  !c ||
  (precision !== 'float64' && precision !== 'float32') ||
  !Number.isInteger(threads) ||
  threads < 1 ||
  !EXECUTION_PROVIDERS.includes(ep)
) {
  throw new Error(
    'usage: train-worker.ts --case A|B|C --precision float64|float32 [--threads N] [--ep cpu|webgpu|cuda]',
  );
}

const send = (reply: Reply | Record<string, unknown>) => process.stdout.write(`${JSON.stringify(reply)}\n`);
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

const firstLossFile = arg('first-loss');
if (firstLossFile) {
  const built = buildCase(c, precision, undefined, false);
  if (built.step.dropoutSites.length) throw new Error('--first-loss: the graph still has dropout sites');
  fs.writeFileSync(firstLossFile, writeSafetensors(Object.fromEntries(built.weights)));
  const session = await createGraphSession(built.model, ep, threads, { memoryArena: arena });
  const { loss } = await new TrainState(c, built.step, built.weights, caseInputs(c)).run(session);
  await session.release();
  send({ ok: true, loss });
  process.exit(0);
}

const t0 = performance.now();
const built = buildCase(c, precision);
const rssAfterBuild = rssMiB();
const tCreate = performance.now();
const session = await createGraphSession(built.model, ep, threads, { memoryArena: arena });
const createMs = performance.now() - tCreate;
const state = new TrainState(c, built.step, built.weights, caseInputs(c), true);
const bytes = stepBytes(state);
const modelBytes = built.model.byteLength;
const nodes = built.step.graph.nodes.length;
(built as { model: Uint8Array | null }).model = null; // let the serialized bytes go (ORT holds its own copy)
const steps: StepTiming[] = [];

send({
  ready: true,
  loadMs: createMs + (tCreate - t0),
  createMs,
  version: `onnxruntime-node ${(ort.env.versions as Record<string, string> | undefined)?.node ?? '?'}`,
  threads,
  ep,
  initMs: built.initMs,
  buildMs: built.buildMs,
  serializeMs: built.serializeMs,
  modelBytes,
  nodes,
  backwardNodes: built.step.backwardNodes,
  trainableTensors: built.step.trainable.length,
  trainableParams: bytes.trainableParams,
  outputBytes: bytes.outputBytes,
  maskBytes: bytes.maskBytes,
  dropoutSites: built.step.dropoutSites.length,
  rssAfterBuildMiB: rssAfterBuild,
  rssAfterCreateMiB: rssMiB(),
});

for await (const line of readline.createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const msg = JSON.parse(line) as Request;
  try {
    if (msg.cmd === 'quit') {
      send({ ok: true });
      break;
    } else if (msg.cmd === 'run') {
      const times: number[] = [];
      for (let i = 0; i < msg.n; i++) {
        const s = await state.run(session);
        if (!Number.isFinite(s.loss)) throw new Error(`step ${state.globalStep}: loss is ${s.loss}`);
        steps.push(s);
        times.push(s.totalMs);
      }
      send({ ok: true, times });
    } else if (msg.cmd === 'dump') {
      fs.writeFileSync(
        msg.file,
        JSON.stringify({ steps, maxRssMiB: process.resourceUsage().maxRSS / 1024, rssMiB: rssMiB() }),
      );
      send({ ok: true });
    } else {
      send({ ok: false, error: `unknown command ${(msg as { cmd: string }).cmd}` });
    }
  } catch (err) {
    send({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}
await session.release();
process.exit(0);
