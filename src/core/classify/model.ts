// A fine-tuned sequence classifier, as Hugging Face's text-classification pipeline: softmax over the logits, or
// an independent sigmoid per label when config problem_type is multi_label_classification (or the model has a
// single label, or the request says multi_label). Labels are the model's own (config id2label).
import { countTokens, encodeRows, encodeText } from '../encode.ts';
import { logitsOutput, runRows } from '../infer.ts';
import { sigmoid, softmax } from './scoring.ts';
import type { ClassifyStrategy } from './types.ts';

export const modelStrategy: ClassifyStrategy = {
  name: 'model',
  labels: 'forbidden',
  options: ['multi_label', 'top_k'],

  async classify(ctx, request) {
    const model = await ctx.models.get(request.model, request.dtype);
    const output = logitsOutput(model);
    const rows = encodeRows(model, () => request.inputs.map((text, i) => encodeText(model, text, `inputs[${i}]`)));
    const outputs = await runRows(model, rows, [output]);
    const width = outputs[0]?.[output].data.length ?? 0;
    const labels =
      model.config.id2label?.length === width
        ? model.config.id2label
        : Array.from({ length: width }, (_, i) => `LABEL_${i}`);
    const multi = request.multi_label ?? (model.config.problemType === 'multi_label_classification' || width === 1);
    const scores = outputs.map((out) => (multi ? Array.from(out[output].data, sigmoid) : softmax(out[output].data)));
    return { labels, scores, tokens: countTokens(rows) };
  },
};
