// Access to the shared files from inside workerd, through the FIXTURES service binding (run by Node).
import { env } from 'cloudflare:test';

export async function fixture(path: string): Promise<Response> {
  const res = await env.FIXTURES.fetch(`http://fixtures${path}`);
  if (!res.ok) throw new Error(`fixture ${path}: ${res.status} ${await res.text()}`);
  return res;
}


const MODEL_FILES = ['tokenizer.json', 'tokenizer_config.json', 'config.json'];

/** Puts a model folder's tokenizer files into the local R2 bucket the Worker reads. */
export async function seedModel(modelId: string): Promise<void> {
  for (const file of MODEL_FILES) {
    const res = await env.FIXTURES.fetch(`http://fixtures/models/${modelId}/${file}`);
    if (res.ok) await env.MODELS.put(`${modelId}/${file}`, await res.arrayBuffer());
  }
}

export interface Verdict {
  passed: number;
  failed: number;
  report: string;
}

/** Sends edgeclass's outputs to Node, which writes them and runs the reference's compare.mjs over them. */
export async function judgeInNode(tokenizer: string, cases: { id: string; output: unknown }[], label: string): Promise<Verdict> {
  const res = await env.FIXTURES.fetch(`http://fixtures/judge/${tokenizer}?label=${label}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cases }),
  });
  if (!res.ok) throw new Error(`judge: ${res.status} ${await res.text()}`);
  return (await res.json()) as Verdict;
}
