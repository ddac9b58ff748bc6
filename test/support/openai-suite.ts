// The OpenAI-compatibility acceptance tests, written as an OpenAI user writes them: the official `openai` SDK as the
// client, its types, its error classes, its pagination. Each suite takes a small fixture (a client pointed at a base
// URL, and how many HTTP requests it sent), so the same bodies run against `edgeclass serve` and inside workerd.
import OpenAI from 'openai';
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
