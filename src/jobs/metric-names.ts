// The names a job's metrics go by in checkpoint `metrics` and event `data`: OpenAI's, so a dashboard written for
// OpenAI's fine-tuning reads them, with the classification extras (macro F1, and the older eval_* names the
// playground charts) beside them. A classifier has one answer per example, so OpenAI's "mean token accuracy" is the
// share of examples classified right; edgeclass evaluates the whole validation set each time, so valid_* and
// full_valid_* are the same numbers.

/** One evaluation of the validation set, as the trainer reports it. */
export interface EvaluationMetrics {
  loss: number;
  accuracy: number;
  macroF1: number;
}

export function evaluationMetricNames(m: EvaluationMetrics) {
  return {
    valid_loss: m.loss,
    full_valid_loss: m.loss,
    valid_mean_token_accuracy: m.accuracy,
    full_valid_mean_token_accuracy: m.accuracy,
    eval_loss: m.loss,
    eval_accuracy: m.accuracy,
    eval_macro_f1: m.macroF1,
  };
}
