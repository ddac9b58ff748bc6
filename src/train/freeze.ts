// What training leaves alone: frozen parameters (the rule lives with the architectures, src/nn/arch/freeze.ts) and
// parameters excluded from weight decay.
export { isEmbedding, isFrozen, layerOf, type FreezeSpec } from '../nn/arch/freeze.ts';

/**
 * Hugging Face Trainer's rule: no weight decay on biases and normalization weights, whatever the architecture names
 * them (`LayerNorm`, DistilBERT's `sa_layer_norm` / `output_layer_norm`, Llama's `input_layernorm`, `norm`).
 */
export function excludedFromDecay(name: string): boolean {
  return name.endsWith('.bias') || /(layernorm|layer_norm|(^|[._])norm)\.weight$/i.test(name);
}
