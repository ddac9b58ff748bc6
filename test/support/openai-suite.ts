// The OpenAI-compatibility acceptance tests, written as an OpenAI user writes them: the official `openai` SDK as the
// client, its types, its error classes, its pagination. Each suite takes a small fixture (a client pointed at a base
// URL, and how many HTTP requests it sent), so the same bodies run against `edgeclass serve` and inside workerd.
import OpenAI, { toFile } from 'openai';
import { describe, expect, it } from 'vitest';

export interface OpenAITarget {
  client: OpenAI;
  /** HTTP requests the client has sent so far, retries included. */
  requests(): number;
}

/** A client for `baseURL` that counts its requests; `fetch` is the transport (globalThis.fetch unless given). */
export function countingClient(
  baseURL: string,
  apiKey: string,
  fetch: (url: string, init?: RequestInit) => Promise<Response> = globalThis.fetch,
): OpenAITarget {
  let sent = 0;
  const client = new OpenAI({
    baseURL,
    apiKey,
    // The SDK's own backoff (0.5 s and up) would only slow a retry the tests count.
    maxRetries: 2,
    fetch: (url, init) => {
      sent++;
      return fetch(String(url), init as RequestInit);
    },
  });
  return { client, requests: () => sent };
}

/** What an SDK call threw, for assertions on its class and fields. */
export async function rejection(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('the call succeeded; an error was expected');
}

/** Embeddings and models: what every edge serves. `embedModel` is an encoder with 32-wide embeddings. */
export function defineOpenAIInferenceSuite(target: () => OpenAITarget, embedModel: string) {
  describe('the openai SDK: models and embeddings', () => {
    it('models.list pages with for await; models.retrieve answers each as listed; an unknown id is a NotFoundError', async () => {
      const { client, requests } = target();
      const listed: OpenAI.Models.Model[] = [];
      for await (const model of client.models.list()) listed.push(model);
      const embed = listed.find((m) => m.id === embedModel);
      expect(embed).toMatchObject({ id: embedModel, object: 'model', owned_by: 'edgeclass' });
      expect(Number.isInteger(embed!.created) && embed!.created > 1_600_000_000).toBe(true);
      expect(await client.models.retrieve(embedModel)).toEqual(embed);
      const before = requests();
      const missing = await rejection(client.models.retrieve('no-such-model'));
      expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
      expect(missing).toMatchObject({
        status: 404,
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
      });
      expect(requests() - before).toBe(1);
    });

    it('embeddings.create: the default base64 and float agree; dimensions; token ids; 2,048 inputs', async () => {
      const { client } = target();
      const input = ['Here is some text to encode', 'And some more'];
      const decoded = await client.embeddings.create({ model: embedModel, input });
      const floats = await client.embeddings.create({ model: embedModel, input, encoding_format: 'float' });
      expect(decoded.data.map((d) => d.index)).toEqual([0, 1]);
      expect(decoded.data[0].embedding).toHaveLength(32);
      decoded.data[1].embedding.forEach((v, i) => expect(v).toBeCloseTo(floats.data[1].embedding[i], 6));
      expect(decoded.usage.prompt_tokens).toBe(decoded.usage.total_tokens);
      const short = await client.embeddings.create({ model: embedModel, input: input[0], dimensions: 8 });
      expect(short.data[0].embedding).toHaveLength(8);
      const ids = await client.embeddings.create({ model: embedModel, input: [101, 7592, 2088, 102] });
      expect(ids.usage.prompt_tokens).toBe(4);
      const many = await client.embeddings.create({ model: embedModel, input: Array(2048).fill('a b') });
      expect(many.data).toHaveLength(2048);
    });

    it("the SDK's error classes carry edgeclass's code and param; the 4xx are not retried", async () => {
      const { client, requests } = target();
      const before = requests();
      const empty = await rejection(client.embeddings.create({ model: embedModel, input: [] }));
      expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
      expect(empty).toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        code: 'invalid_request',
        param: 'input',
      });
      const outside = await rejection(client.embeddings.create({ model: embedModel, input: [[101, 99_999_999]] }));
      expect(outside).toBeInstanceOf(OpenAI.BadRequestError);
      expect(outside.param).toBe('input[0]');
      const unknown = await rejection(client.embeddings.create({ model: 'no-such-model', input: 'x' }));
      expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
      expect(unknown.code).toBe('model_not_found');
      expect(requests() - before).toBe(3);
    });
  });
}

/** OpenAI's chat-format JSONL: a system prompt, each text as the user's message, its label as the answer. */
export function chatJsonlOf(examples: [text: string, label: string][], system: string): string {
  return examples
    .map(([text, label]) =>
      JSON.stringify({
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: text },
          { role: 'assistant', content: label },
        ],
      }),
    )
    .join('\n');
}

/** `n` made-up reviews in chat format, alternately positive and negative. */
export function chatJsonl(n: number): string {
  const texts = ['a delight', 'dull and long', 'warm and funny', 'badly acted', 'smart and moving', 'a mess'];
  const examples = Array.from({ length: n }, (_, i): [string, string] => [
    `${texts[i % texts.length]} (${i})`,
    i % 2 === 0 ? 'positive' : 'negative',
  ]);
  return chatJsonlOf(examples, 'Is the review positive or negative?');
}

export interface FineTuningFixture {
  /** A client with a key the service knows. */
  target(): OpenAITarget;
  /** A client with a key it does not know. */
  unauthorized(): OpenAITarget;
  /** A base model the service can fine-tune. */
  baseModel: string;
}

/** Files and fine-tuning jobs through the SDK: what a service with the fine-tuning API answers, worker or not. */
export function defineOpenAIFineTuningSuite(f: FineTuningFixture) {
  describe('the openai SDK: files and fine-tuning', () => {
    it('files.create (chat JSONL named .txt), retrieve, list with auto-pagination, content', async () => {
      const { client } = f.target();
      const content = chatJsonl(20);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const file = await client.files.create({
          file: await toFile(new TextEncoder().encode(content), `chat-${i}.txt`),
          purpose: 'fine-tune',
        });
        expect(file).toMatchObject({
          object: 'file',
          purpose: 'fine-tune',
          filename: `chat-${i}.txt`,
          bytes: content.length,
        });
        ids.push(file.id);
      }
      expect((await client.files.retrieve(ids[0])).id).toBe(ids[0]);
      const listed: string[] = [];
      for await (const file of client.files.list({ limit: 1 })) listed.push(file.id);
      expect(listed).toEqual(expect.arrayContaining(ids));
      expect(await (await client.files.content(ids[1])).text()).toBe(content);
      const missing = await rejection(client.files.retrieve('file-nope'));
      expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    });

    it('jobs.create in OpenAI shape; Idempotency-Key through headers; a 409 is a ConflictError sent once', async () => {
      const target = f.target();
      const { client } = target;
      const file = await client.files.create({
        file: await toFile(new TextEncoder().encode(chatJsonl(20)), 'train.jsonl'),
        purpose: 'fine-tune',
      });
      const params: OpenAI.FineTuning.JobCreateParams = {
        model: f.baseModel,
        training_file: file.id,
        method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, learning_rate_multiplier: 2 } } },
        suffix: 'sdk',
        seed: 3,
        metadata: { team: 'search' },
      };
      // The SDK's idempotencyKey option sends no header for OpenAI's API; the header itself does.
      const headers = { 'Idempotency-Key': `sdk-${Date.now()}` };
      const job = await client.fineTuning.jobs.create(params, { headers });
      expect(job).toMatchObject({
        object: 'fine_tuning.job',
        model: f.baseModel,
        seed: 3,
        metadata: { team: 'search' },
      });
      expect(job.method?.supervised?.hyperparameters?.n_epochs).toBe(2);
      expect(job.hyperparameters.learning_rate_multiplier).toBeUndefined();
      expect((job.hyperparameters as { learning_rate?: number }).learning_rate).toBe(1e-4);
      expect((await client.fineTuning.jobs.create(params, { headers })).id).toBe(job.id);
      const before = target.requests();
      const conflict = await rejection(client.fineTuning.jobs.create({ ...params, seed: 4 }, { headers }));
      expect(conflict).toBeInstanceOf(OpenAI.ConflictError);
      expect(conflict).toMatchObject({ status: 409, code: 'conflict', param: 'Idempotency-Key' });
      expect(target.requests() - before).toBe(1);

      expect((await client.fineTuning.jobs.retrieve(job.id)).id).toBe(job.id);
      const jobs: string[] = [];
      for await (const j of client.fineTuning.jobs.list({ limit: 1 })) jobs.push(j.id);
      expect(jobs).toContain(job.id);
      const events: OpenAI.FineTuning.FineTuningJobEvent[] = [];
      for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 1 })) events.push(e);
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.object === 'fine_tuning.job.event')).toBe(true);

      const invalid = await rejection(
        client.fineTuning.jobs.create({ model: f.baseModel, training_file: file.id, hyperparameters: { n_epochs: 0 } }),
      );
      expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
      expect(invalid).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'hyperparameters.n_epochs' });
      const dpo = await rejection(
        client.fineTuning.jobs.create({ model: f.baseModel, training_file: file.id, method: { type: 'dpo', dpo: {} } }),
      );
      expect(dpo.param).toBe('method.type');
      expect(await rejection(client.fineTuning.jobs.retrieve('ftjob-nope'))).toBeInstanceOf(OpenAI.NotFoundError);
      // A queued job is cancelled at once (and leaves the queue to the next test's job).
      expect((await client.fineTuning.jobs.cancel(job.id)).status).toBe('cancelled');
      expect(await rejection(f.unauthorized().client.fineTuning.jobs.list())).toBeInstanceOf(
        OpenAI.AuthenticationError,
      );
    });
  });
}
