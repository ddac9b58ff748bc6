// Load test of POST /v1/tokenize over HTTP with autocannon: the Node server (`edgeclass serve`) and the Worker in
// wrangler dev (workerd, local R2), 1 text and 32 texts per request, texts from AG News. Each server runs in its
// own process; autocannon runs here. Prints p50/p99 latency and requests/s per case.
//
//   npx tsx bench/load-tokenize.ts [--duration 10] [--connections 1,8] [--targets node,wrangler] [--model bert-base-uncased]
//
// A 2-core machine runs the server and the load generator together: with many connections requests queue, so
// latency is reported per concurrency level.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startNodeServe, startWranglerDev } from '../test/support/servers.ts';
import { load } from './lib/load.ts';
import { loadDataset, MODELS_DIR } from './lib/tokenize-common.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,8' },
    targets: { type: 'string', default: 'node,wrangler' },
    model: { type: 'string', default: 'bert-base-uncased' },
  },
});
const duration = Number(values.duration);
const concurrencies = values.connections!.split(',').map(Number);
const { texts } = loadDataset(null);
const payloads: Record<string, string[]> = {
  '1 text': texts.slice(0, 512).map((t) => JSON.stringify({ model: values.model, inputs: t })),
  '32 texts': Array.from({ length: 64 }, (_, i) =>
    JSON.stringify({ model: values.model, inputs: texts.slice(i * 32, i * 32 + 32).map((t) => [t]) }),
  ),
};

const rows: string[] = [];
const ratios: string[] = [];
for (const target of values.targets!.split(',')) {
  const server = target === 'node' ? await startNodeServe(MODELS_DIR) : await startWranglerDev(MODELS_DIR);
  try {
    for (const connections of concurrencies) {
      for (const [payload, bodies] of Object.entries(payloads)) {
        await load(`${server.url}/v1/tokenize`, bodies, 2, connections); // warm-up: JIT, tokenizer load, connections
        const r = await load(`${server.url}/v1/tokenize`, bodies, duration, connections);
        if (r.non2xx || r.errors) throw new Error(`${target} ${payload}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        rows.push(`| ${target} | ${connections} | ${payload} | ${r.p50} | ${r.p99} | ${Math.round(r.rps)} |`);
        if (payload === '1 text')
          ratios.push(`RATIO tokenize-p99-1text-${target}-c${connections} ${(r.p99 / 10).toFixed(2)}`);
      }
    }
  } finally {
    server.stop();
  }
}
console.log(
  `model ${values.model}, ${duration} s per case after a 2 s warm-up, ${os.cpus().length} cores, node ${process.version}`,
);
console.log('| server | connections | per request | p50 ms | p99 ms | requests/s |\n|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log('(RATIO tokenize-p99-1text-<server>-c<connections> = p99 / the 10 ms goal; below 1 meets it)');
for (const r of ratios) console.log(r);
