import { z } from '@hono/zod-openapi';
import { DTYPES } from '../../core/dtypes.ts';

export const ErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().openapi({
        example: 'invalid_request_error',
        description: "OpenAI's category: invalid_request_error (4xx) or server_error (5xx).",
      }),
      param: z.string().nullable().openapi({ example: 'inputs[3]' }),
      code: z.string().nullable().openapi({
        example: 'invalid_request',
        description: "edgeclass's kind: invalid_request, model_not_found, unsupported_model, too_large, ...",
      }),
    }),
  })
  .openapi('Error');

export const ModelId = z
  .string()
  .min(1)
  .openapi({ example: 'bert-base-uncased', description: 'A Hugging Face model id.' });

const errorExample = (status: number, code: string, message: string, param: string | null = null) => ({
  error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param, code },
});

/** The error responses every JSON route can give, each with an example. */
export const errorResponses = {
  413: {
    description: 'The body is larger than the configured limit.',
    content: {
      'application/json': {
        schema: ErrorSchema,
        example: errorExample(413, 'too_large', 'the body exceeds 2097152 bytes'),
      },
    },
  },
  415: {
    description: 'The body is not JSON.',
    content: {
      'application/json': {
        schema: ErrorSchema,
        example: errorExample(415, 'unsupported_media_type', 'Content-Type must be application/json'),
      },
    },
  },
  400: {
    description: 'Malformed JSON, a wrong type, a model edgeclass refuses, or an invalid option combination.',
    content: {
      'application/json': {
        schema: ErrorSchema,
        example: errorExample(400, 'invalid_request', 'inputs[3]: Invalid input', 'inputs[3]'),
      },
    },
  },
  404: {
    description: 'A model the service does not have (code model_not_found).',
    content: {
      'application/json': {
        schema: ErrorSchema,
        example: errorExample(
          404,
          'model_not_found',
          "model 'no-such-model' was not found in the models directory",
          'model',
        ),
      },
    },
  },
  500: {
    description: 'An internal error; the message says what failed.',
    content: {
      'application/json': {
        schema: ErrorSchema,
        example: errorExample(500, 'inference_error', "inference failed: running model 'tiny-nli': ..."),
      },
    },
  },
} as const;

/** Strategy llm's remote model failed: unreachable, refusing, or answering unusably (502), or too slow (504). */
export const upstreamErrorResponses = {
  502: {
    description: 'The remote LLM (strategy llm) failed or answered unusably twice.',
    content: {
      'application/json': {
        schema: ErrorSchema,
        example: errorExample(502, 'upstream_error', "the model's answer for inputs[0] was unusable twice (...)"),
      },
    },
  },
  504: {
    description: 'The remote LLM (strategy llm) did not answer in time.',
    content: {
      'application/json': {
        schema: ErrorSchema,
        example: errorExample(504, 'upstream_error', 'the chat endpoint did not answer within 30000 ms (3 attempts)'),
      },
    },
  },
} as const;

/** The one error a read-only route can give. */
export const serverErrorResponse = { 500: errorResponses[500] } as const;

/** A graph variant by transformers.js' dtype name (src/core/dtypes.ts). */
export const Dtype = z.enum(DTYPES).openapi({
  description:
    "The graph variant to run: fp32 onnx/model.onnx, fp16 model_fp16, q8 model_quantized, int8, uint8, q4, q4f16, bnb4 (transformers.js' names). Default: EDGECLASS_MODEL_DTYPE's (fp32). A variant the folder lacks is a 400 naming those it has.",
});
