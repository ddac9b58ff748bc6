// Request and response schemas of /v1/tokenize and /v1/detokenize: Hugging Face's tokenizer kwargs and names.
import { z } from '@hono/zod-openapi';
import { ModelId } from './common.ts';

const Text = z.string();
const Input = z.union([Text, z.tuple([Text]), z.tuple([Text, Text])]);
const Side = z.enum(['right', 'left']);

export const TokenizeRequestSchema = z
  .object({
    model: ModelId,
    inputs: z.union([Text, z.tuple([Text, Text]), z.array(Input).min(1, 'inputs must not be empty')]).openapi({
      description: 'A text; a [text, text_pair] pair; or a list of texts, [text] and [text, text_pair] items.',
      example: ['Here is some text to encode', 'Here is some more text to encode'],
    }),
    add_special_tokens: z.boolean().optional(),
    truncation: z
      .union([z.boolean(), z.enum(['longest_first', 'only_first', 'only_second', 'do_not_truncate'])])
      .optional(),
    max_length: z.number().int().positive().nullable().optional(),
    stride: z.number().int().nonnegative().optional(),
    truncation_side: Side.optional(),
    padding: z.union([z.boolean(), z.enum(['longest', 'max_length', 'do_not_pad'])]).optional(),
    padding_side: Side.optional(),
    pad_to_multiple_of: z.number().int().positive().nullable().optional(),
    return_tokens: z.boolean().optional(),
    return_offsets_mapping: z.boolean().optional(),
    return_special_tokens_mask: z.boolean().optional(),
    return_word_ids: z.boolean().optional(),
    return_sequence_ids: z.boolean().optional(),
    return_overflowing_tokens: z.boolean().optional(),
    return_token_type_ids: z.boolean().optional(),
    return_attention_mask: z.boolean().optional(),
  })
  .strict()
  .openapi('TokenizeRequest');

const EncodingSchema = z.object({
  input_ids: z.array(z.number().int()),
  token_type_ids: z.array(z.number().int()).optional(),
  attention_mask: z.array(z.number().int()).optional(),
  tokens: z.array(z.string()).optional(),
  offset_mapping: z
    .array(z.tuple([z.number().int(), z.number().int()]))
    .optional()
    .openapi({ description: '[start, end) in Unicode code points of the sequence the token came from.' }),
  special_tokens_mask: z.array(z.number().int()).optional(),
  word_ids: z.array(z.number().int().nullable()).optional(),
  sequence_ids: z.array(z.number().int().nullable()).optional(),
});

export const TokenizeResponseSchema = z
  .object({
    model: z.string(),
    encodings: z.array(EncodingSchema),
    overflow_to_sample_mapping: z.array(z.number().int()).optional(),
    usage: z.object({ tokens: z.number().int() }),
  })
  .openapi('TokenizeResponse');

const Ids = z.array(z.number().int().nonnegative());

export const DetokenizeRequestSchema = z
  .object({
    model: ModelId,
    ids: z.union([Ids, z.array(Ids).min(1, 'ids must not be empty')]).openapi({ example: [101, 2182, 2003, 102] }),
    skip_special_tokens: z.boolean().optional(),
    clean_up_tokenization_spaces: z.boolean().optional(),
  })
  .strict()
  .openapi('DetokenizeRequest');

export const DetokenizeResponseSchema = z
  .union([z.object({ text: z.string() }), z.object({ texts: z.array(z.string()) })])
  .openapi('DetokenizeResponse');
