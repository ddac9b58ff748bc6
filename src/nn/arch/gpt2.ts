// GPT-2 (transformers' GPT2LMHeadModel), a causal LM. Its config, builder, folder and init code predate this folder
// and stay where strategy llm imports them (../gpt2-config.ts, ../gpt2.ts, ../gpt2-folder.ts, ../gpt2-init.ts);
// this module is what the registry knows of it.
import { parseGpt2Config, type Gpt2Config } from '../gpt2-config.ts';
import { exportGpt2 } from '../gpt2-folder.ts';
import { initGpt2Model } from '../gpt2-init.ts';
import { canonicalGpt2WeightNames, expectedGpt2Weights } from '../gpt2.ts';
import type { CausalLmArchitecture } from './types.ts';

export const gpt2: CausalLmArchitecture<Gpt2Config> = {
  family: 'causal-lm',
  modelType: 'gpt2',
  layout: { embeddings: ['transformer.wte.', 'transformer.wpe.'], layer: (i) => `transformer.h.${i}.` },
  parseConfig: parseGpt2Config,
  numLayers: (c) => c.nLayer,
  expectedWeights: expectedGpt2Weights,
  canonicalWeights: canonicalGpt2WeightNames,
  exportFolder: (dir, options) => {
    if (options.task === 'text-generation-with-past')
      throw new Error('a gpt2 model exports --task text-generation (no KV cache) only');
    return exportGpt2(dir, options);
  },
  initModel: (o) => {
    if (o.kvHeads !== undefined || o.untied) throw new Error('--kv-heads and --untied apply to --arch llama, not gpt2');
    const result = initGpt2Model({ ...o, inner: o.intermediate });
    const c = result.config;
    return { dir: result.dir, onnx: result.onnx, summary: `gpt2, ${c.nLayer} layers, hidden ${c.nEmbd}` };
  },
};
