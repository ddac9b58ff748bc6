// One fine-tune as an OpenAI user writes it, with the official SDK as the client: a chat-format file (named .txt,
// so its format is read from the content) to a served ft: model, trained by a real `edgeclass worker`, its
// checkpoints listed with `for await`, the model retrieved and classifying, and the succeeded webhook verified with
// `client.webhooks.unwrap`. The same body runs against wrangler dev (test/e2e/fine-tuning.e2e.test.ts) and against
// `edgeclass serve` on Node (test/e2e/node-fine-tuning.e2e.test.ts).
import OpenAI, { toFile } from 'openai';
import { expect } from 'vitest';
import { chatJsonlOf } from '../../support/openai-suite.ts';
import type { Receiver } from './receiver.ts';

/** SST-2 rows in OpenAI's chat format: the sentence as the user's message, its label as the assistant's answer. */
const sst2Chat = (rows: string[]) =>
  chatJsonlOf(
    rows.map((line) => line.split('\t') as [string, string]),
    'Sentiment: 0 negative, 1 positive.',
  );

export interface ChatFineTuneTarget {
  /** The service's base URL, without /v1. */
  url: string;
  apiKey: string;
  /** A base model folder the service can fine-tune. */
  base: string;
  /** The webhook receiver, reachable by the service, and the secret it verifies with. */
  receiver: Receiver;
  webhookSecret: string;
  /** SST-2 rows, `text<TAB>label`. */
  rows: string[];
  /** The job ends within this. */
  timeoutMs: number;
}

async function poll<T>(what: string, probe: () => Promise<T | null | undefined> | T | null | undefined, ms: number) {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function chatFineTuneWithSdk(t: ChatFineTuneTarget): Promise<void> {
  const client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: t.apiKey });
  const file = await client.files.create({
    file: await toFile(Buffer.from(sst2Chat(t.rows)), 'sst2-chat.txt'),
    purpose: 'fine-tune',
  });
  // edgeclass's hyperparameters beyond OpenAI's: a variable, so the SDK's type takes them without a cast (README).
  const hyperparameters = { n_epochs: 1, batch_size: 32, learning_rate_multiplier: 20, max_length: 64, seed: 5 };
  const extensions = { webhook: { url: t.receiver.url, secret: t.webhookSecret } };
  const created = await client.fineTuning.jobs.create(
    {
      model: t.base,
      training_file: file.id,
      suffix: 'chat',
      method: { type: 'supervised', supervised: { hyperparameters } },
      ...extensions,
    },
    { headers: { 'Idempotency-Key': `e2e-sdk-chat-${file.id}` } },
  );
  const job = await poll(
    'the SDK job to succeed',
    async () => {
      const j = await client.fineTuning.jobs.retrieve(created.id);
      if (j.status === 'failed' || j.status === 'cancelled')
        throw new Error(`job ${j.status}: ${JSON.stringify(j.error)}`);
      return j.status === 'succeeded' ? j : null;
    },
    t.timeoutMs,
  );
  expect(job.fine_tuned_model).toBe(`ft:${t.base}:chat:${created.id}`);
  const checkpoints: OpenAI.FineTuning.Jobs.FineTuningJobCheckpoint[] = [];
  for await (const c of client.fineTuning.jobs.checkpoints.list(created.id)) checkpoints.push(c);
  expect(checkpoints.length).toBeGreaterThan(0);
  expect(checkpoints.some((c) => typeof c.metrics.full_valid_loss === 'number')).toBe(true);
  expect((await client.models.retrieve(job.fine_tuned_model!)).id).toBe(job.fine_tuned_model);
  const res = await fetch(`${t.url}/v1/classify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: job.fine_tuned_model,
      inputs: ['a charming and funny film', 'a dull mess'],
      strategy: 'model',
    }),
  });
  const classify = (await res.json()) as { results: { labels: string[] }[] };
  expect(res.status, JSON.stringify(classify)).toBe(200);
  expect(classify.results[0].labels).toHaveLength(2);
  // The webhooks, as the SDK verifies them: succeeded is in its union; running and progress are extensions.
  const delivered = await poll(
    'the succeeded webhook',
    () =>
      t.receiver.deliveries.find((d) => d.payload.data?.id === created.id && d.type === 'fine_tuning.job.succeeded'),
    60_000,
  );
  const event = await client.webhooks.unwrap(delivered.raw.body, delivered.raw.headers, t.webhookSecret);
  expect(event).toMatchObject({ type: 'fine_tuning.job.succeeded', data: { id: created.id } });
  const forged = `whsec_${Buffer.from('another secret of enough length!').toString('base64')}`;
  await expect(client.webhooks.unwrap(delivered.raw.body, delivered.raw.headers, forged)).rejects.toThrow();
}
