// Request and response schemas of /v1/classify.
import { z } from '@hono/zod-openapi';
import { TEMPERATURE_RANGE, THRESHOLD_RANGE } from '../../core/classify/score-options.ts';
import { BUILTIN_STRATEGY_NAMES } from '../../core/classify/strategy-names.ts';
import { Dtype, ModelId } from './common.ts';

// Strategy names are checked against the classifier's registry when the request is served, not by this schema.
const STRATEGY_NAME_MAX = 100;

export const ClassifyRequestSchema = z
  .object({
    model: ModelId,
    dtype: Dtype.optional(),
    inputs: z.union([z.string(), z.array(z.string()).min(1, 'inputs must not be empty')]).openapi({
      description: 'A text or a list of texts to classify.',
      example: ['The stock market rallied after the earnings reports.', 'The team won the final in overtime.'],
    }),
    labels: z
      .array(z.string())
      .optional()
      .openapi({
        description:
          "Candidate labels (strategies embedding, nli, llm). Strategy model uses the model's own labels and takes none.",
        example: ['business', 'sports', 'science', 'politics'],
      }),
    strategy: z
      .string()
      .min(1)
      .max(STRATEGY_NAME_MAX)
      .optional()
      .openapi({
        description: `A registered strategy: built in ${BUILTIN_STRATEGY_NAMES.join(', ')} (a server may register more; an unknown name is refused naming the registered ones). Default: model without labels; with labels, llm for a remote LLM (EDGECLASS_LLM_MODELS) or a local causal LM, nli for an NLI model (an entailment label in config label2id), else embedding.`,
        examples: [...BUILTIN_STRATEGY_NAMES],
      }),
    hypothesis_template: z.string().optional().openapi({
      description:
        'The sentence a label becomes; {} is replaced by the label. Default: "This example is {}." (nli), "This text is about {}." (embedding).',
    }),
    multi_label: z
      .boolean()
      .optional()
      .openapi({ description: 'Score each label independently instead of across labels.' }),
    top_k: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: 'Keep the k best labels of each input (default: all).' }),
    temperature: z
      .number()
      .min(TEMPERATURE_RANGE.min)
      .max(TEMPERATURE_RANGE.max)
      .optional()
      .openapi({
        description: `embedding: scores are softmax(cosine / temperature); multi-label sigmoid((cosine - threshold) / temperature). Default 0.05; from ${TEMPERATURE_RANGE.min} to ${TEMPERATURE_RANGE.max}.`,
      }),
    threshold: z
      .number()
      .min(THRESHOLD_RANGE.min)
      .max(THRESHOLD_RANGE.max)
      .optional()
      .openapi({ description: 'embedding with multi_label: the cosine similarity scored 0.5. Default 0.3.' }),
  })
  .strict()
  .openapi('ClassifyRequest');

export const ClassifyResponseSchema = z
  .object({
    model: z.string(),
    strategy: z.string(),
    results: z.array(z.object({ labels: z.array(z.string()), scores: z.array(z.number()) })).openapi({
      description: 'One entry per input, in order; labels sorted by descending score.',
    }),
    usage: z.object({ tokens: z.number().int() }),
  })
  .openapi('ClassifyResponse');
