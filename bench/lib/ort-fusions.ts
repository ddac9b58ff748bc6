// Which ops onnxruntime-node actually runs after its graph optimizations, with and without the session option
// edgeclass sets (src/inference/ort-node.ts: SkipLayerNormFusion off): ORT writes its optimized graph to a file
// (optimizedModelFilePath), and this counts its op types.
//
//   node --import tsx bench/lib/ort-fusions.ts [--model FILE]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { BENCH_MODELS_DIR, NLI_MODEL } from './classify-common.ts';

const { values } = parseArgs({
  options: { model: { type: 'string', default: `${BENCH_MODELS_DIR}/${NLI_MODEL}/onnx/model.onnx` } },
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-fusions-'));
const bytes = new Uint8Array(fs.readFileSync(values.model!));
const variants = {
  'onnxruntime default': {},
  'SkipLayerNormFusion off': { extra: { optimization: { disable_specified_optimizers: 'SkipLayerNormFusion' } } },
};
for (const [name, options] of Object.entries(variants)) {
  const file = path.join(dir, 'optimized.onnx');
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    logSeverityLevel: 3,
    optimizedModelFilePath: file,
    ...options,
  } as ort.InferenceSession.SessionOptions);
  await session.release();
  const counts: Record<string, number> = {};
  for (const node of onnxProto.onnx.ModelProto.decode(fs.readFileSync(file)).graph!.node!)
    counts[node.opType!] = (counts[node.opType!] ?? 0) + 1;
  console.log(
    `${name}: ${Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([op, n]) => `${op} ${n}`)
      .join(', ')}`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });
