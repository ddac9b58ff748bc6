// Zero-shot by sentence embeddings: each label becomes a sentence ("This text is about {}."), texts and label
// sentences are embedded with the model's pooling and normalized, and a text's scores come from its cosine
// similarity to each label: softmax(cos / temperature) across labels (temperature 0.05, i.e. similarities x 20,
// as sentence-transformers' contrastive training scales them), or with multi_label an independent
// sigmoid((cos - threshold) / temperature) per label. Label embeddings are cached per model.
import { countTokens, encodeRows, encodeText } from '../encode.ts';
import { embedRows, resolveEmbeddingOptions } from '../embeddings.ts';
import { LabelEmbeddingCache } from './label-cache.ts';
import { checkTemplate, dot, hypothesis, sigmoid, softmax } from './scoring.ts';
import type { ClassifyStrategy } from './types.ts';

export const EMBEDDING_TEMPLATE = 'This text is about {}.';
export const DEFAULT_TEMPERATURE = 0.05;
export const DEFAULT_THRESHOLD = 0.3;

export const embeddingStrategy: ClassifyStrategy = {
  name: 'embedding',
  labels: 'required',
  options: ['hypothesis_template', 'multi_label', 'top_k', 'temperature', 'threshold'],

  async classify(ctx, request) {
    const template = request.hypothesis_template ?? EMBEDDING_TEMPLATE;
    checkTemplate(template);
    const model = await ctx.models.get(request.model, request.dtype);
    const options = resolveEmbeddingOptions(model, { normalize: true });
    const textRows = encodeRows(model, () => request.inputs.map((text, i) => encodeText(model, text, `inputs[${i}]`)));

    const keys = request.labels.map((label) =>
      LabelEmbeddingCache.key(`${model.id}@${model.dtype}`, options.pooling, hypothesis(template, label)),
    );
    const labelVectors = keys.map((key) => ctx.labelEmbeddings.get(key));
    const missing = labelVectors.flatMap((v, j) => (v === undefined ? [j] : []));
    const labelRows = missing.map((j) => encodeText(model, hypothesis(template, request.labels[j]), `labels[${j}]`));

    // Texts and uncached labels in one call, so they share runs.
    const vectors = await embedRows(model, [...textRows, ...labelRows], options);
    missing.forEach((j, k) => {
      labelVectors[j] = vectors[textRows.length + k];
      ctx.labelEmbeddings.set(keys[j], vectors[textRows.length + k]);
    });

    const temperature = request.temperature ?? DEFAULT_TEMPERATURE;
    const threshold = request.threshold ?? DEFAULT_THRESHOLD;
    const scores = textRows.map((_, i) => {
      const similarities = labelVectors.map((label) => dot(vectors[i], label!));
      return request.multi_label
        ? similarities.map((s) => sigmoid((s - threshold) / temperature))
        : softmax(similarities.map((s) => s / temperature));
    });
    return { labels: request.labels, scores, tokens: countTokens(textRows) + countTokens(labelRows) };
  },
};
