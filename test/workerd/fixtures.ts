// Access to the shared files from inside workerd, through the FIXTURES service binding (run by Node).
import { env } from 'cloudflare:test';

/**
 * FIXTURES.fetch, again when the loopback connection to Node drops ("Network connection lost"): on a machine at
 * load 10-20 the Node side of the binding has closed sockets mid-request. Every call here is idempotent.
 */
async function fixturesFetch(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await env.FIXTURES.fetch(url, init);
    } catch (err) {
      if (attempt >= 3 || !/Network connection lost|disconnected/i.test(String(err))) throw err;
      console.warn(`FIXTURES ${url}: ${String(err)}; again (attempt ${attempt + 1})`);
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

export async function fixture(path: string): Promise<Response> {
  const res = await fixturesFetch(`http://fixtures${path}`);
  if (!res.ok) throw new Error(`fixture ${path}: ${res.status} ${await res.text()}`);
  return res;
}

const MODEL_FILES = ['tokenizer.json', 'tokenizer_config.json', 'config.json'];

/** Puts a model folder's tokenizer files into the local R2 bucket the Worker reads. */
export async function seedModel(modelId: string): Promise<void> {
  for (const file of MODEL_FILES) {
    const res = await fixturesFetch(`http://fixtures/models/${modelId}/${file}`);
    if (res.ok) await env.MODELS.put(`${modelId}/${file}`, await res.arrayBuffer());
  }
}

export interface Verdict {
  passed: number;
  failed: number;
  report: string;
}

/**
 * Sends edgeclass's outputs to Node, which writes them and runs the reference's compare.mjs over them. Gzipped:
 * the outputs of a golden are 40-55 MB of JSON, and a body that large was cut ("Network connection lost") on a
 * loaded machine; gzipped it is a tenth of that.
 */
export async function judgeInNode(
  tokenizer: string,
  cases: { id: string; output: unknown }[],
  label: string,
): Promise<Verdict> {
  const json = new Blob([JSON.stringify({ cases })]).stream();
  const body = await new Response(json.pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
  const res = await fixturesFetch(`http://fixtures/judge/${tokenizer}?label=${label}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body,
  });
  if (!res.ok) throw new Error(`judge: ${res.status} ${await res.text()}`);
  return (await res.json()) as Verdict;
}
