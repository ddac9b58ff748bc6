// Evaluation metrics over predicted and true label ids.

export interface Metrics {
  loss: number;
  accuracy: number;
  /** Unweighted mean of per-class F1 over the classes that occur in truth or predictions. */
  macroF1: number;
  examples: number;
}

export function classificationMetrics(predicted: number[], truth: number[], loss: number, numLabels: number): Metrics {
  let correct = 0;
  const tp = new Array(numLabels).fill(0);
  const fp = new Array(numLabels).fill(0);
  const fn = new Array(numLabels).fill(0);
  predicted.forEach((p, i) => {
    const t = truth[i];
    if (p === t) {
      correct++;
      tp[p]++;
    } else {
      fp[p]++;
      fn[t]++;
    }
  });
  const f1s: number[] = [];
  for (let c = 0; c < numLabels; c++) {
    if (tp[c] + fp[c] + fn[c] === 0) continue;
    f1s.push((2 * tp[c]) / (2 * tp[c] + fp[c] + fn[c]));
  }
  return {
    loss,
    accuracy: predicted.length ? correct / predicted.length : 0,
    macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0,
    examples: predicted.length,
  };
}

/** Multi-label: an example is correct when every label's decision (sigmoid > 0.5) is right; F1 per label. */
export function multiLabelMetrics(logits: Float32Array, truth: Uint8Array, numLabels: number, loss: number): Metrics {
  const n = truth.length / numLabels;
  let exact = 0;
  const tp = new Array(numLabels).fill(0);
  const fp = new Array(numLabels).fill(0);
  const fn = new Array(numLabels).fill(0);
  for (let i = 0; i < n; i++) {
    let all = true;
    for (let c = 0; c < numLabels; c++) {
      const p = logits[i * numLabels + c] > 0 ? 1 : 0;
      const t = truth[i * numLabels + c];
      if (p !== t) all = false;
      if (p && t) tp[c]++;
      else if (p) fp[c]++;
      else if (t) fn[c]++;
    }
    if (all) exact++;
  }
  const f1s = tp
    .map((_, c) => (tp[c] + fp[c] + fn[c] ? (2 * tp[c]) / (2 * tp[c] + fp[c] + fn[c]) : -1))
    .filter((f) => f >= 0);
  return {
    loss,
    accuracy: n ? exact / n : 0,
    macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0,
    examples: n,
  };
}
