// The remote `llm` strategy: a chat model (an OpenAI-compatible endpoint, or Workers AI through its binding) is
// shown the labels and asked for JSON, temperature 0, decoding constrained to the labels where the endpoint
// supports a JSON schema. The answer is read strictly (llm-prompt.ts); a malformed or off-label answer gets one
// corrective follow-up, and a second failure is an UpstreamError (502 upstream_error). Scores are 1 for the chosen
// label(s) and 0 for the others: a chat answer carries no calibrated probability.
import { UpstreamError } from '../llm/errors.ts';
import { CancelledError } from '../llm/retry.ts';
import type { ChatClient, ChatResponse } from '../llm/chat.ts';
import { answerSchema, checkLabels, classificationMessages, correctionMessages, parseAnswer } from './llm-prompt.ts';

export interface RemoteLlmOptions {
  multiLabel: boolean;
  /** The upstream's model name, e.g. gpt-4o-mini or @cf/meta/llama-3.1-8b-instruct. */
  model: string;
  /** Per attempt; the client's default when absent. */
  timeoutMs?: number;
  /** Transport retries after the first attempt (429, 5xx, network, timeout); the client's default when absent. */
  retries?: number;
  /** Inputs asked about at once; default 4. */
  concurrency?: number;
  /** Longest answer; by default enough for the JSON with the longest label (or all labels, multi-label). */
  maxTokens?: number;
}

/** Per input, per label (in the given order): 1 for the label(s) the model chose, 0 otherwise. */
export async function classifyWithRemoteLlm(
  client: ChatClient,
  inputs: string[],
  labels: string[],
  options: RemoteLlmOptions,
): Promise<number[][]> {
  checkLabels(labels);
  const results: number[][] = new Array(inputs.length);
  // The first failure loses the whole request: the calls still in flight are cancelled, none is started.
  const cancel = new AbortController();
  let next = 0;
  const worker = async () => {
    while (!cancel.signal.aborted && next < inputs.length) {
      const i = next++;
      try {
        const chosen = await classifyOne(client, inputs[i], labels, options, i, cancel.signal);
        results[i] = labels.map((_, j) => (chosen.includes(j) ? 1 : 0));
      } catch (err) {
        cancel.abort();
        throw err;
      }
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? 4, inputs.length));
  const settled = await Promise.allSettled(Array.from({ length: width }, worker));
  // Report the failure that caused the cancellation, not a sibling's CancelledError.
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
  if (errors.length) throw errors.find((e) => !(e instanceof CancelledError)) ?? errors[0];
  return results;
}

async function classifyOne(
  client: ChatClient,
  text: string,
  labels: string[],
  o: RemoteLlmOptions,
  index: number,
  signal: AbortSignal,
): Promise<number[]> {
  const messages = classificationMessages(text, labels, o.multiLabel);
  const labelChars = o.multiLabel
    ? labels.reduce((n, l) => n + l.length + 4, 0)
    : Math.max(...labels.map((l) => l.length));
  const request = {
    model: o.model,
    temperature: 0,
    maxTokens: o.maxTokens ?? Math.min(4096, 64 + 2 * labelChars),
    responseFormat: {
      type: 'json_schema' as const,
      name: o.multiLabel ? 'labels' : 'label',
      schema: answerSchema(labels, o.multiLabel),
    },
    timeoutMs: o.timeoutMs,
    retries: o.retries,
    signal,
  };
  const first = await client.complete({ ...request, messages });
  const parsed = parseAnswer(first.content, labels, o.multiLabel);
  if (parsed.ok) return parsed.indices;
  const second = await client.complete({
    ...request,
    messages: [...messages, ...correctionMessages(asText(first), parsed.reason, labels, o.multiLabel)],
  });
  const retried = parseAnswer(second.content, labels, o.multiLabel);
  if (retried.ok) return retried.indices;
  throw new UpstreamError(
    'bad_answer',
    `the model's answer for inputs[${index}] was unusable twice (${parsed.reason}; then ${retried.reason})`,
  );
}

function asText(response: ChatResponse): string {
  return typeof response.content === 'string' ? response.content : JSON.stringify(response.content);
}
