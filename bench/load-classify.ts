// Load test of POST /v1/classify over HTTP with autocannon: the Node server (`edgeclass serve`, onnxruntime-node,
// cross-request batching) and the Worker in wrangler dev (workerd, onnxruntime-web WASM, one thread, local R2),
// on the MiniLM-L6-shaped models of bench/lib/classify-common.ts, ~32-token AG News texts, 5 labels. Each server
// runs in its own process; autocannon runs here. Prints p50/p99 latency and requests/s per case.
//
//   npm run bench:load-classify [-- --duration 10 --connections 1,8 --targets node,wrangler --strategies nli,embedding]
//
// On a 2-core machine the servers and the load generator share the cores (and other work on the machine shows).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startNodeServe, startWranglerDev } from '../test/support/servers.ts';
import { EMBED_MODEL, ensureBenchModels, LABELS, NLI_MODEL, selectTexts } from './lib/classify-common.ts';
import { load } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,8' },
    targets: { type: 'string', default: 'node,wrangler' },
    strategies: { type: 'string', default: 'nli,embedding' },
    texts: { type: 'string', default: '1' },
  },
});
const duration = Number(values.duration);
const concurrencies = values.connections!.split(',').map(Number);
const textsPerRequest = Number(values.texts);

const modelsDir = ensureBenchModels();
const { texts, description } = await selectTexts(256);
const strategies = values.strategies!.split(',') as ('nli' | 'embedding')[];
const bodiesFor = (strategy: 'nli' | 'embedding') =>
  Array.from({ length: Math.floor(texts.length / textsPerRequest) }, (_, i) =>
    JSON.stringify({
      model: strategy === 'nli' ? NLI_MODEL : EMBED_MODEL,
      inputs: texts.slice(i * textsPerRequest, (i + 1) * textsPerRequest),
      labels: LABELS,
      strategy,
    }),
  );

const rows: string[] = [];
for (const target of values.targets!.split(',')) {
  const server =
    target === 'node' ? await startNodeServe(modelsDir) : await startWranglerDev(modelsDir, { timeoutMs: 180_000 });
  try {
    for (const strategy of strategies) {
      const bodies = bodiesFor(strategy);
      for (const connections of concurrencies) {
        await load(`${server.url}/v1/classify`, bodies, 3, connections, { timeout: 60 }); // warm-up: model load, label embeddings, JIT
        const r = await load(`${server.url}/v1/classify`, bodies, duration, connections, { timeout: 60 });
        if (r.non2xx || r.errors) throw new Error(`${target} ${strategy}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        rows.push(
          `| ${target} | ${strategy} | ${connections} | ${textsPerRequest} | ${r.p50} | ${r.p99} | ${r.rps.toFixed(1)} | ${(r.rps * textsPerRequest).toFixed(1)} |`,
        );
        console.error(rows.at(-1));
      }
    }
  } finally {
    server.stop();
  }
}
console.log(
  `${description}; ${LABELS.length} labels; ${duration} s per case after a 3 s warm-up; ${os.cpus().length} cores, node ${process.version}`,
);
console.log(
  '| server | strategy | connections | texts/request | p50 ms | p99 ms | requests/s | texts/s |\n|---|---|---:|---:|---:|---:|---:|---:|',
);
for (const r of rows) console.log(r);
