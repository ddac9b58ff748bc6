// q8 export: dynamic int8 weights. It must run in both runtimes, and its cost in accuracy on the PyTorch fixtures
// is measured and bounded (printed for bench/RESULTS.md).
import { describe, expect, it } from 'vitest';
import { serializeGraph } from '../src/graph/index.ts';
import { quantizeDynamicInt8 } from '../src/graph/quantize.ts';
import { buildInferenceGraph } from '../src/nn/model-graph.ts';
import { fixtureDirs, flatten, loadFixture } from './support/model-golden.ts';
import { fixtureFeeds } from './support/model-probe.ts';
import { BACKENDS, runModel } from './support/ort.ts';

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('q8 export against the fixtures', () => {
  for (const dir of fixtureDirs()) {
    const f = loadFixture(dir);
    it(f.name, async () => {
      const fp32 = buildInferenceGraph(f.weights, f.config, { task: 'sequence-classification', head: 'hf_seqcls' });
      const q8 = buildInferenceGraph(f.weights, f.config, { task: 'sequence-classification', head: 'hf_seqcls' });
      const rewritten = quantizeDynamicInt8(q8, 256);
      expect(rewritten).toBeGreaterThanOrEqual(f.config.numHiddenLayers * 6); // Q, K, V, output, intermediate, output per layer
      expect(q8.nodes.some((n) => n.opType === 'MatMulInteger')).toBe(true);
      const small = serializeGraph(q8);
      expect(small.length).toBeLessThan(serializeGraph(fp32).length);
      const golden = flatten(f.golden.forward.logits.hf_seqcls).data;
      const scale = Math.max(...Array.from(golden, Math.abs));
      for (const backend of BACKENDS) {
        const out = await runModel(small, fixtureFeeds(f, false), backend);
        const err = maxAbs(out.logits.data as Float32Array, golden);
        console.log(
          `q8 ${f.name} ${backend}: max |logit error| ${err.toExponential(2)} (max |logit| ${scale.toFixed(3)})`,
        );
        // int8 weights and activations: a few percent of the logit scale, never more.
        expect(err).toBeLessThan(0.05 * scale + 0.01);
      }
    });
  }
});
