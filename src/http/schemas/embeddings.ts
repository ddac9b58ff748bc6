// Request and response schemas of /v1/embeddings: OpenAI's, plus pooling and normalize.
import { z } from '@hono/zod-openapi';
import { Dtype, ModelId } from './common.ts';

const TokenId = z.number().int().min(0);

export const EmbeddingsRequestSchema = z
  .object({
    model: ModelId,
    dtype: Dtype.optional(),
    input: z
      .union([
        z.string(),
        z.array(z.string()).min(1, 'input must not be empty'),
        z.array(TokenId).min(1, 'input must not be empty'),
        z.array(z.array(TokenId).min(1, 'a token list must not be empty')).min(1, 'input must not be empty'),
      ])
      .openapi({
        description:
          "A text, a list of texts, or token ids (one list, or a list of lists) of the model's vocabulary, as /v1/tokenize gives them (special tokens included; nothing is added).",
        example: ['Here is some text to encode', 'And some more'],
      }),
    encoding_format: z
      .enum(['float', 'base64'])
      .optional()
      .openapi({ description: 'base64: little-endian float32 bytes, as OpenAI.' }),
    dimensions: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: 'Keep the first n components (normalized after).' }),
    pooling: z.enum(['mean', 'cls', 'max']).optional().openapi({
      description: "Default: the sentence-transformers Pooling module's mode, else mean.",
    }),
    normalize: z.boolean().optional().openapi({ description: 'L2-normalize each embedding. Default true.' }),
    user: z.string().optional().openapi({ description: 'Accepted for OpenAI compatibility; unused.' }),
  })
  .strict()
  .openapi('EmbeddingsRequest');

export const EmbeddingsResponseSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        object: z.literal('embedding'),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string()]),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .openapi('EmbeddingsResponse');
