import { createRoute } from '@hono/zod-openapi';
import { RequestError } from '../../core/errors.ts';
import { detokenize } from '../../core/detokenize.ts';
import { resolveInputs, tokenize, type ResolvedInput } from '../../core/tokenize.ts';
import type { Limits } from '../../core/limits.ts';
import { secondsSince } from '../../core/telemetry.ts';
import type { App } from '../deps.ts';
import { errorResponses } from '../schemas/common.ts';
import {
  DetokenizeRequestSchema,
  DetokenizeResponseSchema,
  TokenizeRequestSchema,
  TokenizeResponseSchema,
} from '../schemas/tokenize.ts';

const tokenizeRoute = createRoute({
  method: 'post',
  path: '/v1/tokenize',
  tags: ['Tokenizer'],
  summary: 'Tokenize texts or text pairs with Hugging Face semantics',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: TokenizeRequestSchema,
          examples: {
            pair: {
              summary: "The seed's text pair",
              value: {
                model: 'bert-base-uncased',
                inputs: ['Here is some text to encode', 'Here is some more text to encode'],
              },
            },
            tokens: {
              summary: 'Tokens, offsets and sequence ids of a batch',
              value: {
                model: 'bert-base-uncased',
                inputs: [['Here is some text'], ['a text', 'its pair']],
                return_tokens: true,
                return_offsets_mapping: true,
                return_sequence_ids: true,
              },
            },
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: 'One encoding row per input (and per overflow window).',
      content: { 'application/json': { schema: TokenizeResponseSchema } },
    },
    ...errorResponses,
  },
});

const detokenizeRoute = createRoute({
  method: 'post',
  path: '/v1/detokenize',
  tags: ['Tokenizer'],
  summary: 'Decode token ids back to text',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: DetokenizeRequestSchema,
          example: { model: 'bert-base-uncased', ids: [101, 2182, 2003, 2070, 3793, 102] },
        },
      },
    },
  },
  responses: {
    200: {
      description: '{text} for one id list, {texts} for a list of them.',
      content: { 'application/json': { schema: DetokenizeResponseSchema } },
    },
    ...errorResponses,
  },
});

/** Input count and text length limits; `inputs[i]` names the offending input. */
function checkInputLimits(inputs: ResolvedInput[], limits: Limits, batch: boolean): void {
  if (inputs.length > limits.maxInputs) {
    throw new RequestError(
      'invalid_request',
      `inputs has ${inputs.length} items; the limit is ${limits.maxInputs}`,
      'inputs',
    );
  }
  inputs.forEach((input, i) => {
    const longest = Math.max(input.text.length, input.pair?.length ?? 0);
    if (longest > limits.maxTextChars) {
      const param = batch ? `inputs[${i}]` : 'inputs';
      throw new RequestError(
        'invalid_request',
        `${param} has a text of ${longest} characters; the limit is ${limits.maxTextChars}`,
        param,
      );
    }
  });
}

/** Lists and ids a detokenize request may send: as many lists as inputs, as many ids as a tokenize answer holds. */
function checkIdLimits(lists: number[][], limits: Limits, batch: boolean): void {
  if (batch && lists.length > limits.maxInputs) {
    throw new RequestError('invalid_request', `ids has ${lists.length} lists; the limit is ${limits.maxInputs}`, 'ids');
  }
  let total = 0;
  for (const list of lists) total += list.length;
  if (total > limits.maxOutputTokens) {
    throw new RequestError('invalid_request', `ids has ${total} ids; the limit is ${limits.maxOutputTokens}`, 'ids');
  }
}

export function registerTokenizeRoutes(app: App): void {
  app.openapi(tokenizeRoute, async (c) => {
    const { model, inputs, ...options } = c.req.valid('json');
    const { tokenizers, limits, telemetry } = c.get('deps');
    const { items, batch } = resolveInputs(inputs);
    checkInputLimits(items, limits, batch);
    const loaded = await tokenizers.get(model);
    const start = performance.now();
    const result = tokenize(loaded, items, options, batch, limits);
    telemetry?.tokenization(model, secondsSince(start), result.tokens);
    return c.json(
      {
        model,
        encodings: result.encodings,
        ...(result.overflow_to_sample_mapping ? { overflow_to_sample_mapping: result.overflow_to_sample_mapping } : {}),
        usage: { tokens: result.tokens },
      },
      200,
    );
  });

  app.openapi(detokenizeRoute, async (c) => {
    const { model, ids, ...options } = c.req.valid('json');
    const { tokenizers, limits } = c.get('deps');
    const lists = ids.length > 0 && Array.isArray(ids[0]) ? (ids as number[][]) : null;
    checkIdLimits(lists ?? [ids as number[]], limits, lists !== null);
    const loaded = await tokenizers.get(model);
    const check = (list: number[], prefix: string) =>
      list.forEach((id, j) => {
        if (loaded.tokenizer.idToToken(id) === undefined) {
          throw new RequestError(
            'invalid_request',
            `${prefix}[${j}]: id ${id} is not in the vocabulary of '${model}'`,
            `${prefix}[${j}]`,
          );
        }
      });
    if (lists) {
      lists.forEach((list, i) => check(list, `ids[${i}]`));
      return c.json({ texts: lists.map((list) => detokenize(loaded, list, options)) }, 200);
    }
    check(ids as number[], 'ids');
    return c.json({ text: detokenize(loaded, ids as number[], options) }, 200);
  });
}
