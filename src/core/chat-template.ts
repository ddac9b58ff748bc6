// An instruct model's chat template (tokenizer_config.json's chat_template, Jinja), rendered by
// @huggingface/jinja as transformers' apply_chat_template renders it: the messages, add_generation_prompt and the
// tokenizer's special tokens as strings. Strategy llm wraps its prompt in one user message and scores the answer
// that follows the generation prompt.
import { Template } from '@huggingface/jinja';
import { RequestError } from './errors.ts';

const SPECIAL_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'];

/** A special token of tokenizer_config.json as a string: "<s>", or an AddedToken object's content. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const content = (value as { content?: unknown } | null)?.content;
  return typeof content === 'string' ? content : undefined;
}

/** The template text: a string, or the "default" of a list of named templates (as transformers picks it). */
function templateText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return null;
  const named = value as { name?: unknown; template?: unknown }[];
  const chosen = named.find((t) => t.name === 'default') ?? null;
  return chosen && typeof chosen.template === 'string' ? chosen.template : null;
}

/**
 * A function rendering one user message into the model's prompt (ending with the assistant's generation prompt),
 * or null for a model without a chat template. A template that does not parse or render refuses the model.
 */
export function chatPrompter(
  modelId: string,
  tokenizerConfig: Record<string, unknown> | null,
): ((userMessage: string) => string) | null {
  const text = templateText(tokenizerConfig?.chat_template);
  if (text === null) return null;
  const specials = Object.fromEntries(
    SPECIAL_TOKENS.flatMap((key) => {
      const token = tokenText(tokenizerConfig?.[key]);
      return token === undefined ? [] : [[key, token]];
    }),
  );
  let template: Template;
  try {
    template = new Template(text);
  } catch (err) {
    throw refusal(modelId, 'does not parse', err);
  }
  const render = (userMessage: string) => {
    try {
      return template.render({
        ...specials,
        messages: [{ role: 'user', content: userMessage }],
        add_generation_prompt: true,
      });
    } catch (err) {
      throw refusal(modelId, 'does not render', err);
    }
  };
  render('probe'); // fail at load, not on the first request
  return render;
}

function refusal(modelId: string, what: string, err: unknown): RequestError {
  return new RequestError(
    'unsupported_model',
    `model '${modelId}': the chat_template of tokenizer_config.json ${what}: ${err instanceof Error ? err.message : String(err)}`,
    'model',
  );
}
