// Freezing as in the seed notebook: the embeddings and the first N transformer blocks get requires_grad = False.
// What "the embeddings" and "block i" are is the architecture's layout (its module here): `embeddings.*` and
// `encoder.layer.i.*` for BERT and RoBERTa, `transformer.layer.i.*` for DistilBERT, `model.layers.i.*` for Llama.
import type { ModuleLayout } from './types.ts';

export interface FreezeSpec {
  embeddings: boolean;
  /** The first N transformer blocks. */
  layers: number;
}

/** Which block a parameter belongs to, or null for one outside every block (embeddings, heads, final norms). */
export function layerOf(layout: ModuleLayout, name: string): number | null {
  const m = /^(.*?)(\d+)\./.exec(name);
  if (!m) return null;
  const i = Number(m[2]);
  return name.startsWith(layout.layer(i)) ? i : null;
}

export function isEmbedding(layout: ModuleLayout, name: string): boolean {
  return layout.embeddings.some((prefix) => name.startsWith(prefix));
}

export function isFrozen(layout: ModuleLayout, name: string, freeze: FreezeSpec): boolean {
  if (freeze.embeddings && isEmbedding(layout, name)) return true;
  const layer = layerOf(layout, name);
  return layer !== null && layer < freeze.layers;
}
