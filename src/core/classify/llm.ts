// Strategy llm: labels scored by a language model, remote or local, chosen by the request's `model`.
// - A name listed in EDGECLASS_LLM_MODELS goes to the configured chat endpoint (an OpenAI-compatible API or the
//   Workers AI binding; ./llm-remote.ts): scores are 1 for the label(s) the model chose and 0 for the others.
// - Any other name is a model folder in the store holding a causal LM (GPT-2 style; ./llm-local.ts): scores are
//   the model's probabilities of the labels as continuations of a prompt (single-label), or p(yes) per label
//   (multi_label).
// The list is checked first, so a remote name never reaches the model store (nor a Hub pull).
import type { CausalLm } from './llm-local.ts';
import { classifyWithLocalLm } from './llm-local.ts';
import { classifyWithRemoteLlm } from './llm-remote.ts';
import type { ChatClient, RemoteLlm } from '../llm/chat.ts';
import { RequestError } from '../errors.ts';
import type { ClassifyContext, ClassifyStrategy } from './types.ts';

/** Whether `model` names one of the remote LLMs the deployment forwards to. */
export function isRemoteLlm(remote: RemoteLlm | null, model: string): boolean {
  return remote?.models.has(model) ?? false;
}

export const llmStrategy: ClassifyStrategy = {
  name: 'llm',
  labels: 'required',
  options: ['multi_label', 'top_k'],

  async classify(ctx, request) {
    const { inputs, labels } = request;
    const multiLabel = request.multi_label ?? false;
    if (isRemoteLlm(ctx.remoteLlm, request.model)) {
      const { client, tokens } = countingTokens(ctx.remoteLlm!.client);
      const scores = await classifyWithRemoteLlm(client, inputs, labels, { multiLabel, model: request.model });
      return { labels, scores, tokens: tokens() };
    }
    // Single-label scores every label after each prompt; multi-label asks one question per (input, label).
    const prompts = inputs.length * labels.length;
    if (prompts > ctx.limits.maxPairs) {
      throw new RequestError(
        'invalid_request',
        `strategy llm scores every (text, label) pair: ${inputs.length} x ${labels.length} = ${prompts} pairs; the limit is ${ctx.limits.maxPairs}`,
        'labels',
      );
    }
    const { lm, tokens } = countingRows(await localLm(ctx, request.model, request.dtype));
    const scores = await classifyWithLocalLm(lm, inputs, labels, { multiLabel });
    return { labels, scores, tokens: tokens() };
  },
};

async function localLm(ctx: ClassifyContext, model: string, dtype?: string): Promise<CausalLm> {
  try {
    return await ctx.causalLms.get(model, dtype);
  } catch (err) {
    if (!(err instanceof RequestError) || (err.kind !== 'model_not_found' && err.kind !== 'unsupported_model'))
      throw err;
    const remote =
      ctx.remoteLlm === null
        ? 'no remote LLM is configured (EDGECLASS_LLM_BASE_URL and EDGECLASS_LLM_API_KEY, or an AI binding)'
        : ctx.remoteLlm.models.size === 0
          ? 'a remote LLM is configured, but EDGECLASS_LLM_MODELS lists no model to forward to'
          : `the remote LLMs are ${[...ctx.remoteLlm.models].join(', ')}`;
    throw new RequestError(err.kind, `${err.message}. Strategy llm: ${remote}`, 'model');
  }
}

/** The LM with a count of the tokens its runs read (the rows' real tokens, not the padding). */
function countingRows(lm: CausalLm): { lm: CausalLm; tokens: () => number } {
  let count = 0;
  const counted: CausalLm = {
    ...lm,
    logits: (rows) => {
      count += rows.reduce((n, row) => n + row.length, 0);
      return lm.logits(rows);
    },
  };
  return { lm: counted, tokens: () => count };
}

/** The client with a sum of the tokens the upstream reports using. */
function countingTokens(client: ChatClient): { client: ChatClient; tokens: () => number } {
  let count = 0;
  return {
    client: {
      async complete(request) {
        const response = await client.complete(request);
        count += response.totalTokens ?? 0;
        return response;
      },
    },
    tokens: () => count,
  };
}
