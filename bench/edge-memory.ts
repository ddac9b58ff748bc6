// What a MiniLM-L6-shaped model costs a Worker, fp32 against q8 (edgeclass export --quantize q8: int8 MatMuls and
// int8 word embeddings), in wrangler dev (workerd, onnxruntime-web WASM, local R2): the graph file's size, the WASM
// heap (/healthz's wasm_heap_bytes, read from onnxruntime-web's linear memory) after loading and after a 32 x 128
// run, and the p50/p99 latency of one-text classify with 5 labels over HTTP (nli and embedding). Both dtypes run
// in the same invocation, each in a fresh wrangler dev (a fresh isolate, so heaps do not mix).
//
//   node --import tsx bench/edge-memory.ts [-- --duration 5]
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exportModel } from '../src/nn/export.ts';
import { initModel } from '../src/nn/init-model.ts';
import { startWranglerDev } from '../test/support/servers.ts';
import { LABELS, MINILM_SHAPE, MODELS_DIR, REPO_ROOT, selectTexts } from './lib/classify-common.ts';
import { load } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    dtypes: { type: 'string', default: 'fp32,q8' },
    // Padded tokens per onnxruntime run in workerd: bounds the activations, hence the heap's peak.
    'max-batch-tokens': { type: 'string' },
  },
});
const batchVars: Record<string, string> = values['max-batch-tokens']
  ? { EDGECLASS_MAX_BATCH_TOKENS: values['max-batch-tokens'] }
  : {};
const dtypes = values.dtypes!.split(',') as ('fp32' | 'q8')[];
const duration = Number(values.duration);
const DIR = path.join(REPO_ROOT, 'bench', 'out', 'edge-models');
const EMBED = 'minilm-embed';
const NLI = 'minilm-nli';
const SPECS = {
  [EMBED]: { ...MINILM_SHAPE, seed: 1, sentenceTransformers: true, pooling: 'mean' as const, normalize: true },
  [NLI]: { ...MINILM_SHAPE, seed: 2, labels: ['entailment', 'neutral', 'contradiction'] },
};

/** Both models with onnx/model.onnx and onnx/model_quantized.onnx (made once, reused while the spec holds). */
function ensureModels(): void {
  for (const [id, spec] of Object.entries(SPECS)) {
    const out = path.join(DIR, id);
    const marker = path.join(out, '.bench-spec.json');
    const wanted = JSON.stringify({ ...spec, quantize: 'q8-embeddings' });
    if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted) continue;
    fs.rmSync(out, { recursive: true, force: true });
    initModel({ ...spec, tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'), out });
    exportModel(out, { quantize: 'q8' });
    fs.rmSync(path.join(out, 'model.safetensors')); // serving reads the graphs only
    fs.writeFileSync(marker, wanted);
  }
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** GET or POST JSON over node:http: no headers timeout (a 32 x 128 fp32 run on one WASM thread takes minutes). */
function json(url: string, body?: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      { method: data === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${url}: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

interface Measured {
  heapAfterLoad: number;
  heapAfterRun: number;
  latency: Record<string, { p50: number; p99: number }>;
}

async function measure(dtype: 'fp32' | 'q8', texts: string[]): Promise<Measured> {
  const edge = await startWranglerDev(DIR, {
    timeoutMs: 300_000,
    vars: { EDGECLASS_MODEL_DTYPE: dtype, ...batchVars },
  });
  try {
    await json(`${edge.url}/v1/embeddings`, { model: EMBED, input: ['load'] });
    const heapAfterLoad = (await json(`${edge.url}/healthz`)).wasm_heap_bytes as number;
    // 32 rows of exactly 128 tokens: [CLS] + 126 x "hello" + [SEP].
    const long = Array.from({ length: 32 }, () => Array(126).fill('hello').join(' '));
    await json(`${edge.url}/v1/embeddings`, { model: EMBED, input: long });
    const heapAfterRun = (await json(`${edge.url}/healthz`)).wasm_heap_bytes as number;
    const latency: Measured['latency'] = {};
    for (const [strategy, model] of [
      ['embedding', EMBED],
      ['nli', NLI],
    ] as const) {
      const bodies = texts.map((t) => JSON.stringify({ model, inputs: [t], labels: LABELS, strategy }));
      await load(`${edge.url}/v1/classify`, bodies, 2, 1, { timeout: 120 }); // warm-up: model load, JIT
      const r = await load(`${edge.url}/v1/classify`, bodies, duration, 1, { timeout: 120 });
      if (r.non2xx || r.errors) throw new Error(`${dtype} ${strategy}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      latency[strategy] = { p50: r.p50, p99: r.p99 };
    }
    return { heapAfterLoad, heapAfterRun, latency };
  } finally {
    edge.stop();
  }
}

ensureModels();
const { texts, description } = await selectTexts(64);
const size = (file: string) => fs.statSync(path.join(DIR, EMBED, 'onnx', file)).size;
const files = { fp32: size('model.onnx'), q8: size('model_quantized.onnx') };
const results: Partial<Record<'fp32' | 'q8', Measured>> = {};
for (const dtype of dtypes) results[dtype] = await measure(dtype, texts);

console.log(`MiniLM-L6 shape (6 x 384, 12 heads, 1536, bert-base-uncased vocabulary), random weights; ${description};`);
console.log(
  `${LABELS.length} labels, one text per request, 1 connection, ${duration} s; ${os.cpus().length} cores; max batch tokens ${values['max-batch-tokens'] ?? 'default'}`,
);
console.log('| dtype | file MB | heap after load MB | heap after 32x128 MB | embedding p50/p99 ms | nli p50/p99 ms |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const dtype of dtypes) {
  const r = results[dtype]!;
  console.log(
    `| ${dtype} | ${mb(files[dtype])} | ${mb(r.heapAfterLoad)} | ${mb(r.heapAfterRun)} | ${r.latency.embedding.p50}/${r.latency.embedding.p99} | ${r.latency.nli.p50}/${r.latency.nli.p99} |`,
  );
}
const { fp32, q8 } = results;
if (fp32 && q8) {
  console.log(`RATIO q8_over_fp32_file ${(files.q8 / files.fp32).toFixed(3)}`);
  console.log(`RATIO q8_over_fp32_heap_after_run ${(q8.heapAfterRun / fp32.heapAfterRun).toFixed(3)}`);
  console.log(`RATIO q8_over_fp32_nli_p50 ${(q8.latency.nli.p50 / fp32.latency.nli.p50).toFixed(3)}`);
} else {
  console.log('RATIO q8_over_fp32 n/a (one dtype measured: --dtypes fp32,q8 runs both)');
}
