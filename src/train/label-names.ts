// The names a fine-tune's labels get. A dataset whose labels are the ids 0..n-1 (SST-2's TSV: 0 and 1) trained on a
// base that already names n labels (tiny-sst2: negative, positive) keeps the base's names: classify then answers
// "positive 54.5%", not "1 54.5%". Given names (--labels, the job's) always win.
import type { ModelConfig } from '../nn/config.ts';

export interface LabelNames {
  labels: string[];
  /** Where the names came from, for the log; null when they are the dataset's own (nothing to explain). */
  note: string | null;
}

/** True for names that say nothing: the ids themselves, or transformers' LABEL_<i> defaults. */
function isPlaceholder(name: string, id: number): boolean {
  return name === String(id) || name === `LABEL_${id}`;
}

export function labelNames(fromData: string[], base: ModelConfig, given?: string[]): LabelNames {
  if (given?.length) return { labels: given, note: null };
  const dataUsesIds = fromData.every((label, id) => label === String(id));
  const baseNames = base.id2label;
  if (!dataUsesIds || baseNames.length !== fromData.length || baseNames.every((n, id) => isPlaceholder(n, id)))
    return { labels: fromData, note: null };
  const pairs = baseNames.map((name, id) => `${id}=${name}`).join(', ');
  return {
    labels: [...baseNames],
    note: `the dataset's labels are ids: keeping the base model's names (${pairs}); --labels names them otherwise`,
  };
}
