// XLM-RoBERTa (transformers' XLMRobertaModel / XLMRobertaForSequenceClassification): RoBERTa's math and tensor names
// (its base_model_prefix is `roberta`) under its own model type. XLMRobertaConfig's class defaults are RoBERTa's
// except the vocabulary (30522 in the class; xlm-roberta-base's config.json says 250002).
import { ROBERTA_DEFAULTS, robertaLike } from './roberta.ts';

export const xlmRoberta = robertaLike('xlm-roberta', 'XLMRoberta', { ...ROBERTA_DEFAULTS, vocabSize: 30522 });
