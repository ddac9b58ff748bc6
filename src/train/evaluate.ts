// Evaluating an exported classifier folder (onnx/model.onnx + tokenizer) on a labelled file, as the classify API
// would run it: our tokenizer, the ONNX graph, argmax. Node only.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseModelConfig } from '../nn/arch/index.ts';
import { Tokenizer } from '../tokenizer/index.ts';
import { collate, encodeExamples } from './batches.ts';
import type { RawExample } from './data.ts';
import { classificationMetrics, type Metrics } from './metrics.ts';

export async function evaluateFolder(
  dir: string,
  examples: RawExample[],
  options: { maxLength?: number; batchSize?: number } = {},
): Promise<Metrics> {
  const config = parseModelConfig(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
  const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
  const labels = config.id2label;
  const encoded = encodeExamples(tokenizer, examples, labels, options.maxLength ?? 128);
  const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
  const predicted: number[] = [];
  const truth: number[] = [];
  let lossSum = 0;
  const batchSize = options.batchSize ?? 64;
  for (let b = 0; b < encoded.length; b += batchSize) {
    const indices = encoded.slice(b, b + batchSize).map((_, i) => b + i);
    const batch = collate(encoded, indices, config.padTokenId, labels.length, false);
    const dims = [batch.size, batch.length];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', batch.inputIds, dims),
      attention_mask: new ort.Tensor('int64', batch.attentionMask, dims),
    };
    if (session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = new ort.Tensor('int64', batch.tokenTypeIds, dims);
    const logits = (await session.run(feeds)).logits.data as Float32Array;
    const C = labels.length;
    for (let i = 0; i < batch.size; i++) {
      const row = Array.from(logits.subarray(i * C, (i + 1) * C));
      const max = Math.max(...row);
      const label = Number((batch.labels as BigInt64Array)[i]);
      lossSum += max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) - row[label];
      predicted.push(row.indexOf(max));
      truth.push(label);
    }
  }
  await session.release();
  return classificationMetrics(predicted, truth, lossSum / Math.max(1, encoded.length), labels.length);
}
