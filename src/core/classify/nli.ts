// Zero-shot by natural language inference, with the semantics of Hugging Face's zero-shot-classification
// pipeline: each (text, "This example is {label}.") pair goes through an NLI cross-encoder; single-label scores
// are the softmax of the entailment logits across labels, multi-label (or one label) scores the softmax of
// [contradiction, entailment] per label. Unlike the pipeline, all pairs of a request run in batches, and texts are
// truncated `only_first`, so the hypothesis is never cut.
import { countTokens, encodePair, encodeRows } from '../encode.ts';
import { RequestError } from '../errors.ts';
import { logitsOutput, runRows } from '../infer.ts';
import { isEntailmentLabel } from '../model-config.ts';
import type { LoadedModel } from '../model-registry.ts';
import { checkTemplate, hypothesis, softmax } from './scoring.ts';
import type { ClassifyStrategy } from './types.ts';

export const NLI_TEMPLATE = 'This example is {}.';

/**
 * Logit indices, from config label2id as transformers reads them: entailment is the first entailment label
 * (isEntailmentLabel); contradiction is "contradiction" (or "not_entailment"), else the pipeline's rule: the last
 * index when entailment is 0, index 0 otherwise.
 */
export function nliLabelIds(model: LoadedModel): { entailment: number; contradiction: number } | null {
  const { label2id, id2label } = model.config;
  const count = id2label?.length ?? 0;
  let entailment = -1;
  for (const [name, id] of label2id) {
    if (isEntailmentLabel(name)) {
      entailment = id;
      break;
    }
  }
  if (entailment < 0 || count < 2) return null;
  const contradiction =
    label2id.get('contradiction') ?? label2id.get('not_entailment') ?? (entailment === 0 ? count - 1 : 0);
  return { entailment, contradiction };
}

export const nliStrategy: ClassifyStrategy = {
  name: 'nli',
  labels: 'required',
  options: ['hypothesis_template', 'multi_label', 'top_k'],

  async classify(ctx, request) {
    const template = request.hypothesis_template ?? NLI_TEMPLATE;
    checkTemplate(template);
    const pairs = request.inputs.length * request.labels.length;
    if (pairs > ctx.limits.maxPairs) {
      throw new RequestError(
        'invalid_request',
        `strategy nli runs one (text, label) pair per input and label: ${request.inputs.length} x ${request.labels.length} = ${pairs} pairs; the limit is ${ctx.limits.maxPairs}`,
        'labels',
      );
    }
    // The label sentences are already bounded (the classifier's hypothesis budget): building them is cheap.
    const hypotheses = request.labels.map((label) => hypothesis(template, label));
    checkPairChars(request.inputs, hypotheses, ctx.limits.maxPairChars);
    const model = await ctx.models.get(request.model, request.dtype);
    const ids = nliLabelIds(model);
    if (!ids) {
      throw new RequestError(
        'unsupported_model',
        `model '${model.id}' is not an NLI model: its config label2id has no entailment label (strategy nli needs one)`,
        'model',
      );
    }
    const output = logitsOutput(model);
    const rows = encodeRows(model, () =>
      request.inputs.flatMap((text, i) => hypotheses.map((h) => encodePair(model, text, h, `inputs[${i}]`))),
    );
    const outputs = await runRows(model, rows, [output]);
    const L = hypotheses.length;
    const perLabel = request.multi_label || L === 1;
    const scores = request.inputs.map((_, i) => {
      const logits = Array.from({ length: L }, (_, j) => outputs[i * L + j][output].data);
      return perLabel
        ? logits.map((l) => softmax([l[ids.contradiction], l[ids.entailment]])[1])
        : softmax(logits.map((l) => l[ids.entailment]));
    });
    return { labels: request.labels, scores, tokens: countTokens(rows) };
  },
};

/**
 * Each text is tokenized once per label, beside that label's sentence, so a request's tokenizing grows as texts x
 * labels: counted in characters and refused before the model loads or anything is tokenized.
 */
function checkPairChars(texts: readonly string[], hypotheses: readonly string[], limit: number): void {
  const textChars = texts.reduce((sum, text) => sum + text.length, 0);
  const hypothesisChars = hypotheses.reduce((sum, h) => sum + h.length, 0);
  const chars = textChars * hypotheses.length + hypothesisChars * texts.length;
  if (chars > limit) {
    throw new RequestError(
      'invalid_request',
      `strategy nli tokenizes each text once per label: ${texts.length} texts of ${textChars} characters x ${hypotheses.length} labels, with their label sentences, make ${chars} characters; the limit is ${limit}`,
      'labels',
    );
  }
}
