// Forward parity with the PyTorch fixtures (every folder in EDGECLASS_MODEL_GOLDEN_DIR and
// EDGECLASS_MODEL_ARCH_GOLDEN_DIR), run as ONNX in onnxruntime-node and onnxruntime-web, judged by the README's
// tolerance rule. Dispatch on golden.task: causal-LM fixtures (Llama) are judged by model-forward-causal.ts.
import { describe, expect, it } from 'vitest';
import { serializeGraph } from '../src/graph/index.ts';
import { buildInferenceGraph } from '../src/nn/model-graph.ts';
import { describeCausalFixture } from './support/model-forward-causal.ts';
import {
  check,
  fixtureDirs,
  fixtureTask,
  flatten,
  loadFixture,
  MODEL_ARCH_GOLDEN_DIR,
  MODEL_GOLDEN_DIR,
  type Check,
} from './support/model-golden.ts';
import { buildProbeGraph, fixtureFeeds } from './support/model-probe.ts';
import { BACKENDS, runModel } from './support/ort.ts';

describe('model fixtures', () => {
  for (const dir of [MODEL_GOLDEN_DIR, MODEL_ARCH_GOLDEN_DIR])
    it(`finds fixtures in ${dir}`, () => expect(fixtureDirs([dir]).length).toBeGreaterThan(0));
});

for (const dir of fixtureDirs()) {
  if (fixtureTask(dir) === 'causal-lm') {
    describeCausalFixture(dir);
    continue;
  }
  const f = loadFixture(dir);
  const fwd = f.golden.forward;
  const tol = f.golden.fp32_vs_fp64_maxabs.forward;
  const probe = serializeGraph(buildProbeGraph(f));

  describe(`${f.name} forward`, () => {
    for (const backend of BACKENDS) {
      it(`matches PyTorch in onnxruntime-${backend}`, async () => {
        const out = await runModel(probe, fixtureFeeds(f, true), backend);
        const checks: Check[] = [];
        const num = (name: string) => Array.from(out[name].data as Float32Array);
        expect(Array.from(out.position_ids.data as BigInt64Array, Number)).toEqual(fwd.position_ids.flat());
        fwd.hidden_states.forEach((h: unknown, i: number) =>
          checks.push(check(`hidden_states[${i}]`, num(`hidden_states_${i}`), flatten(h).data, tol.hidden_states)),
        );
        checks.push(
          check(
            'last_hidden_state',
            num('last_hidden_state'),
            flatten(fwd.last_hidden_state).data,
            tol.last_hidden_state,
          ),
        );
        for (const p of ['cls', 'mean', 'max'])
          checks.push(check(`pooled.${p}`, num(`pooled_${p}`), flatten(fwd.pooled[p]).data, tol.pooled[p]));
        if (fwd.pooler_output)
          checks.push(check('pooler_output', num('pooler_output'), flatten(fwd.pooler_output).data, tol.pooler_output));
        if (fwd.pre_classifier_output)
          checks.push(
            check(
              'pre_classifier_output',
              num('pre_classifier_output'),
              flatten(fwd.pre_classifier_output).data,
              tol.pre_classifier_output,
            ),
          );
        for (const k of Object.keys(fwd.logits)) {
          checks.push(check(`logits.${k}`, num(`logits_${k}`), flatten(fwd.logits[k]).data, tol.logits[k]));
          checks.push(check(`loss.${k}`, num(`loss_${k}`), [Math.fround(fwd.loss[k])], tol.loss[k]));
        }
        const bad = checks.filter((c) => !c.ok);
        expect(bad, JSON.stringify(bad)).toEqual([]);
      });
    }

    it('exported graphs (Optimum names) give the same numbers', async () => {
      const fe = serializeGraph(
        buildInferenceGraph(f.weights, f.config, { task: 'feature-extraction', pooling: 'mean' }),
      );
      const sc = serializeGraph(
        buildInferenceGraph(f.weights, f.config, { task: 'sequence-classification', head: 'hf_seqcls' }),
      );
      const sp = serializeGraph(
        buildInferenceGraph(f.weights, f.config, { task: 'sequence-classification', head: 'project', pooling: 'max' }),
      );
      for (const backend of BACKENDS) {
        const a = await runModel(fe, fixtureFeeds(f, false), backend);
        expect(
          check(
            'last_hidden_state',
            a.last_hidden_state.data as Float32Array,
            flatten(fwd.last_hidden_state).data,
            tol.last_hidden_state,
          ).ok,
        ).toBe(true);
        expect(
          check(
            'sentence_embedding',
            a.sentence_embedding.data as Float32Array,
            flatten(fwd.pooled.mean).data,
            tol.pooled.mean,
          ).ok,
        ).toBe(true);
        const b = await runModel(sc, fixtureFeeds(f, false), backend);
        expect(
          check('logits', b.logits.data as Float32Array, flatten(fwd.logits.hf_seqcls).data, tol.logits.hf_seqcls).ok,
        ).toBe(true);
        const c = await runModel(sp, fixtureFeeds(f, false), backend);
        expect(
          check('logits', c.logits.data as Float32Array, flatten(fwd.logits.project_max).data, tol.logits.project_max)
            .ok,
        ).toBe(true);
      }
    });
  });
}
