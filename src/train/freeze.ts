// Freezing as in the seed notebook: the embeddings and the first N encoder layers get requires_grad = False.
// Names are canonical (unprefixed), so the same rule serves BERT and RoBERTa.

export interface FreezeSpec {
  embeddings: boolean;
  /** The first N encoder layers. */
  layers: number;
}

export function isFrozen(name: string, freeze: FreezeSpec): boolean {
  if (freeze.embeddings && name.startsWith('embeddings.')) return true;
  const m = /^encoder\.layer\.(\d+)\./.exec(name);
  return m !== null && Number(m[1]) < freeze.layers;
}

/** Hugging Face Trainer's rule: no weight decay on biases and LayerNorm weights. */
export function excludedFromDecay(name: string): boolean {
  return name.endsWith('.bias') || /LayerNorm\.weight$/.test(name);
}
