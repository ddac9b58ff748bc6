import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      type: z.string().openapi({ example: 'invalid_request_error' }),
      message: z.string(),
      param: z.string().nullable().openapi({ example: 'inputs[3]' }),
    }),
  })
  .openapi('Error');

export const ModelId = z.string().min(1).openapi({ example: 'bert-base-uncased', description: 'A Hugging Face model id.' });

/** The error responses every JSON route can give. */
export const errorResponses = {
  413: { description: 'The body is larger than the configured limit.', content: { 'application/json': { schema: ErrorSchema } } },
  415: { description: 'The body is not JSON.', content: { 'application/json': { schema: ErrorSchema } } },
  422: { description: 'Malformed JSON, a wrong type, an unknown model, or an invalid option combination.', content: { 'application/json': { schema: ErrorSchema } } },
  500: { description: 'An internal error; the message says what failed.', content: { 'application/json': { schema: ErrorSchema } } },
} as const;
