// The HTTP contract of the tokenizer service, written once and run against the Node app and inside workerd.
import { describe, expect, it } from 'vitest';

export type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

export const post = (fetch: Fetch, path: string, body: unknown) =>
  fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function expectError(res: Response, status: number, param?: string | null) {
  const body = (await res.json()) as {
    error: { type: string; code: string | null; message: string; param: string | null };
  };
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(typeof body.error.type).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (param !== undefined) expect(body.error.param).toBe(param);
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at /); // no stack trace
  return body.error;
}

export function defineTokenizerContract(getFetch: () => Fetch) {
  const f = (path: string, init?: RequestInit) => getFetch()(path, init);
  const BERT = 'bert-base-uncased';
  const ROBERTA = 'roberta-base';
  const A = 'Here is some text to encode';
  const B = 'Here is some more text to encode';

  describe('seed notebook examples over HTTP', () => {
    it('BERT single text', async () => {
      const res = await post(f, '/v1/tokenize', { model: BERT, inputs: A });
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body.model).toBe(BERT);
      expect(body.encodings).toEqual([
        {
          input_ids: [101, 2182, 2003, 2070, 3793, 2000, 4372, 16044, 102],
          token_type_ids: [0, 0, 0, 0, 0, 0, 0, 0, 0],
          attention_mask: [1, 1, 1, 1, 1, 1, 1, 1, 1],
        },
      ]);
      expect(body.usage).toEqual({ tokens: 9 });
    });

    it('BERT pair: 9 type ids 0 then 9 type ids 1', async () => {
      const body = (await (await post(f, '/v1/tokenize', { model: BERT, inputs: [A, B] })).json()) as any;
      expect(body.encodings[0].input_ids).toEqual([
        101, 2182, 2003, 2070, 3793, 2000, 4372, 16044, 102, 2182, 2003, 2070, 2062, 3793, 2000, 4372, 16044, 102,
      ]);
      expect(body.encodings[0].token_type_ids).toEqual([...Array(9).fill(0), ...Array(9).fill(1)]);
    });

    it('RoBERTa pair: <s> a </s></s> b </s>, no token_type_ids by default', async () => {
      const body = (await (await post(f, '/v1/tokenize', { model: ROBERTA, inputs: [[A, B]] })).json()) as any;
      expect(body.encodings).toHaveLength(1);
      expect(body.encodings[0].input_ids).toEqual([
        0, 11773, 16, 103, 2788, 7, 46855, 2, 2, 11773, 16, 103, 55, 2788, 7, 46855, 2,
      ]);
      expect(body.encodings[0]).not.toHaveProperty('token_type_ids');
      expect(body.encodings[0].attention_mask).toEqual(Array(17).fill(1));
    });

    it('decodes token by token as the seed prints', async () => {
      const bert = (await (
        await post(f, '/v1/detokenize', {
          model: BERT,
          ids: [[101], [2182], [2003], [2070], [3793], [2000], [4372], [16044], [102]],
        })
      ).json()) as any;
      expect(bert.texts).toEqual(['[CLS]', 'here', 'is', 'some', 'text', 'to', 'en', '##code', '[SEP]']);
      const roberta = (await (
        await post(f, '/v1/detokenize', { model: ROBERTA, ids: [[0], [11773], [16], [103]] })
      ).json()) as any;
      expect(roberta.texts).toEqual(['<s>', 'Here', ' is', ' some']);
      const whole = (await (
        await post(f, '/v1/detokenize', {
          model: ROBERTA,
          ids: [0, 11773, 16, 103, 2788, 7, 46855, 2],
          skip_special_tokens: true,
        })
      ).json()) as any;
      expect(whole).toEqual({ text: A });
    });
  });

  describe('Hugging Face kwargs', () => {
    it('truncation: true uses model_max_length; overflow rows follow their input with a sample mapping', async () => {
      const long = Array(600).fill('word').join(' ');
      const body = (await (
        await post(f, '/v1/tokenize', {
          model: BERT,
          inputs: [[long], ['short']],
          truncation: true,
          return_overflowing_tokens: true,
          stride: 10,
        })
      ).json()) as any;
      expect(body.encodings[0].input_ids).toHaveLength(512);
      expect(body.overflow_to_sample_mapping).toEqual([0, 0, 1]);
      expect(body.encodings[1].input_ids.slice(1, 11)).toEqual(body.encodings[0].input_ids.slice(-11, -1));
      expect(body.usage.tokens).toBe(512 + body.encodings[1].input_ids.length + 3);
    });

    it('max_length alone truncates (longest_first), padding max_length pads, attention 0 on pads', async () => {
      const body = (await (
        await post(f, '/v1/tokenize', { model: BERT, inputs: [[A], ['hi']], max_length: 6 })
      ).json()) as any;
      expect(body.encodings.map((e: any) => e.input_ids.length)).toEqual([6, 3]);
      const padded = (await (
        await post(f, '/v1/tokenize', {
          model: ROBERTA,
          inputs: 'hi',
          padding: 'max_length',
          max_length: 8,
          padding_side: 'left',
        })
      ).json()) as any;
      expect(padded.encodings[0].input_ids).toEqual([1, 1, 1, 1, 1, 0, 3592, 2]);
      expect(padded.encodings[0].attention_mask).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
      expect(padded.usage.tokens).toBe(3);
    });

    it('offsets are code points; word and sequence ids; special tokens mask', async () => {
      const body = (await (
        await post(f, '/v1/tokenize', {
          model: BERT,
          inputs: ['😀 héllo', 'x'],
          return_offsets_mapping: true,
          return_word_ids: true,
          return_sequence_ids: true,
          return_special_tokens_mask: true,
          return_tokens: true,
        })
      ).json()) as any;
      const e = body.encodings[0];
      expect(e.tokens).toEqual(['[CLS]', '[UNK]', 'hello', '[SEP]', 'x', '[SEP]']);
      expect(e.offset_mapping).toEqual([
        [0, 0],
        [0, 1],
        [2, 7],
        [0, 0],
        [0, 1],
        [0, 0],
      ]);
      expect(e.word_ids).toEqual([null, 0, 1, null, 0, null]);
      expect(e.sequence_ids).toEqual([null, 0, 0, null, 1, null]);
      expect(e.special_tokens_mask).toEqual([1, 0, 0, 1, 0, 1]);
    });

    it('pad_to_multiple_of and padding longest over a batch', async () => {
      const body = (await (
        await post(f, '/v1/tokenize', { model: BERT, inputs: [[A], ['hi']], padding: true, pad_to_multiple_of: 8 })
      ).json()) as any;
      expect(body.encodings.map((e: any) => e.input_ids.length)).toEqual([16, 16]);
    });
  });

  describe('bad input answers 4xx with the error shape', () => {
    it('malformed JSON -> 400', async () => {
      await expectError(
        await f('/v1/tokenize', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"model": ',
        }),
        400,
      );
    });
    it('not JSON -> 415', async () => {
      await expectError(
        await f('/v1/tokenize', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }),
        415,
      );
    });
    it('wrong types name the field', async () => {
      await expectError(await post(f, '/v1/tokenize', { model: BERT, inputs: ['a', 'b', 3] }), 400, 'inputs[2]');
      await expectError(await post(f, '/v1/tokenize', { model: BERT, inputs: 'a', max_length: -1 }), 400, 'max_length');
      await expectError(
        await post(f, '/v1/tokenize', { model: BERT, inputs: 'a', truncation: 'sideways' }),
        400,
        'truncation',
      );
      await expectError(await post(f, '/v1/tokenize', { model: BERT, inputs: 'a', max_lenght: 3 }), 400);
    });
    it('unknown model -> 404 model_not_found that says how to provide it', async () => {
      const e = await expectError(await post(f, '/v1/tokenize', { model: 'no-such-model', inputs: 'a' }), 404, 'model');
      expect(e).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' });
      expect(e.message).toMatch(/sync|pull|EDGECLASS_MODELS_DIR/);
      await expectError(await post(f, '/v1/tokenize', { model: '../etc/passwd', inputs: 'a' }), 400, 'model');
    });
    it('empty inputs -> 400', async () => {
      await expectError(await post(f, '/v1/tokenize', { model: BERT, inputs: [] }), 400, 'inputs');
    });
    it('stride >= the room left after truncation -> 400 (the reference panics)', async () => {
      await expectError(
        await post(f, '/v1/tokenize', {
          model: BERT,
          inputs: Array(40).fill('word').join(' '),
          truncation: true,
          max_length: 6,
          stride: 4,
          return_overflowing_tokens: true,
        }),
        400,
        'stride',
      );
    });
    it('only_second without a pair, when truncation is needed -> 400', async () => {
      await expectError(
        await post(f, '/v1/tokenize', {
          model: BERT,
          inputs: [['short'], [Array(40).fill('word').join(' ')]],
          truncation: 'only_second',
          max_length: 10,
        }),
        400,
        'inputs[1]',
      );
      const ok = await post(f, '/v1/tokenize', {
        model: BERT,
        inputs: 'short',
        truncation: 'only_second',
        max_length: 10,
      });
      expect(ok.status).toBe(200);
    });
    it('too many inputs, too long a text, too large a body', async () => {
      await expectError(await post(f, '/v1/tokenize', { model: BERT, inputs: Array(257).fill(['x']) }), 400, 'inputs');
      await expectError(
        await post(f, '/v1/tokenize', { model: BERT, inputs: [['ok'], ['x'.repeat(100_001)]] }),
        400,
        'inputs[1]',
      );
      await expectError(await post(f, '/v1/tokenize', { model: BERT, inputs: 'x'.repeat(3 * 1024 * 1024) }), 413);
    });
    it('ids outside the vocabulary -> 400 naming the id', async () => {
      await expectError(await post(f, '/v1/detokenize', { model: BERT, ids: [101, 999999] }), 400, 'ids[1]');
    });
    it('unknown route -> 404 with the error shape', async () => {
      await expectError(await f('/v1/nothing-here'), 404);
    });
  });

  describe('models', () => {
    it('lists the models with capabilities', async () => {
      const body = (await (await f('/v1/models')).json()) as any;
      expect(body.object).toBe('list');
      const ids = body.data.map((m: any) => m.id);
      expect(ids).toEqual(expect.arrayContaining([BERT, ROBERTA]));
      expect(body.data.find((m: any) => m.id === BERT)).toMatchObject({
        object: 'model',
        capabilities: { tokenize: true },
      });
    });
  });
}
