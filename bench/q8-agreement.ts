// fp32 against q8 predictions of a classifier trained by `edgeclass train`: every text of a test set classified by
// the service core (strategy model) over onnx/model.onnx and over onnx/model_quantized.onnx (edgeclass export
// --quantize q8: int8 MatMuls and int8 word embeddings), on onnxruntime-node. Prints both accuracies, the share of
// texts whose predicted label agrees, and the RATIO line.
//
//   node --import tsx bench/q8-agreement.ts <trained model dir> <test.tsv>
import fs from 'node:fs';
import path from 'node:path';
import { Classifier } from '../src/core/classify/classifier.ts';
import { limitsFromEnv } from '../src/core/limits.ts';
import { createNodeDeps } from '../src/runtime/node.ts';

const [dir, testFile] = process.argv.slice(2);
if (!dir || !testFile) throw new Error('usage: q8-agreement.ts <trained model dir> <test.tsv>');
const rows = fs
  .readFileSync(testFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => line.split('\t'));
const texts = rows.map((r) => r[0]);
const gold = rows.map((r) => r[1]);
const modelsDir = path.dirname(path.resolve(dir));
const id = path.basename(dir);

async function predict(dtype: 'fp32' | 'q8'): Promise<string[]> {
  const deps = createNodeDeps({ modelsDir, pull: { offline: true }, dtype, inference: { ortWorkers: 1 } });
  const classifier = new Classifier(deps.models, { ...limitsFromEnv({}), maxInputs: 64 });
  const out: string[] = [];
  for (let i = 0; i < texts.length; i += 64) {
    const r = await classifier.classify({ model: id, dtype, inputs: texts.slice(i, i + 64), strategy: 'model' });
    out.push(...r.results.map((x) => x.labels[0]));
  }
  return out;
}

const fp32 = await predict('fp32');
const q8 = await predict('q8');
const accuracy = (p: string[]) => p.filter((label, i) => label === gold[i]).length / p.length;
const agree = fp32.filter((label, i) => label === q8[i]).length / texts.length;
const sizes = ['model.onnx', 'model_quantized.onnx'].map((f) => fs.statSync(path.join(dir, 'onnx', f)).size / 1e6);
console.log(
  `${texts.length} texts of ${testFile}; graphs ${sizes[0].toFixed(1)} MB fp32, ${sizes[1].toFixed(1)} MB q8`,
);
console.log(`accuracy fp32 ${(100 * accuracy(fp32)).toFixed(2)}%, q8 ${(100 * accuracy(q8)).toFixed(2)}%`);
console.log(`agreement ${(100 * agree).toFixed(2)}%`);
console.log(`RATIO q8_fp32_agreement ${agree.toFixed(4)}`);
