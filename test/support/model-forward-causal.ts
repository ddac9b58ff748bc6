// Forward parity for the causal-LM fixtures (golden.task 'causal-lm': Llama), the describe block model-forward.test.ts
// runs for each such folder: the probe graph (hidden states, final-norm input, attentions, RoPE tables, logits) and
// the label-scoring quantities in both onnxruntimes; the exported text-generation graphs without and with
// past_key_values (a prefix, then the rest from the cache) give the same logits. Per-position tensors are compared
// on real positions only, as the README says.
import { describe, expect, it } from 'vitest';
import { serializeGraph } from '../../src/graph/index.ts';
import { buildLlamaLmGraph, ropeInvFreq } from '../../src/nn/llama.ts';
import { atRealPositions, buildLlamaProbe, causalFeeds, scoreFromLogits } from './llama-probe.ts';
import { check, flatten, loadCausalFixture, type Check } from './model-golden.ts';
import { BACKENDS, runModel, type FeedSpec } from './ort.ts';

export function describeCausalFixture(dir: string): void {
  const f = loadCausalFixture(dir);
  const fwd = f.golden.forward;
  const tol = f.golden.fp32_vs_fp64_maxabs.forward;
  const inp = f.golden.inputs;
  const mask: number[][] = inp.attention_mask;
  const [B, T] = [mask.length, mask[0].length];
  const { hiddenSize: H, vocabSize: V, numAttentionHeads: nh, headDim: hd } = f.config;
  const real = (x: unknown, inner: number) => atRealPositions(flatten(x).data, mask, inner);

  describe(`${f.name} forward`, () => {
    it('position ids and RoPE tables', () => {
      expect(f.golden.forward.position_ids).toEqual(inp.input_ids.map((r: number[]) => r.map((_, t) => t)));
      const c = check('rope.inv_freq', ropeInvFreq(f.config), flatten(fwd.rope.inv_freq).data, tol.rope.inv_freq);
      expect(c.ok, JSON.stringify(c)).toBe(true);
    });

    for (const backend of BACKENDS) {
      it(`matches PyTorch in onnxruntime-${backend}`, async () => {
        const out = await runModel(serializeGraph(buildLlamaProbe(f)), causalFeeds(f), backend);
        const num = (name: string) => out[name].data as Float32Array;
        const checks: Check[] = [];
        // Row 0 of the tables: the fed positions are 0..T-1 in every row.
        checks.push(check('rope.cos', num('cos').slice(0, T * hd), flatten(fwd.rope.cos).data, tol.rope.cos));
        checks.push(check('rope.sin', num('sin').slice(0, T * hd), flatten(fwd.rope.sin).data, tol.rope.sin));
        fwd.hidden_states.forEach((h: unknown, i: number) =>
          checks.push(
            check(
              `hidden_states[${i}]`,
              atRealPositions(num(`hidden_states_${i}`), mask, H),
              real(h, H),
              tol.hidden_states,
            ),
          ),
        );
        for (const [name, key] of [
          ['final_norm_input', 'final_norm_input'],
          ['last_hidden_state', 'last_hidden_state'],
        ])
          checks.push(check(name, atRealPositions(num(key), mask, H), real(fwd[key], H), tol[key]));
        fwd.attentions.forEach((a: unknown, i: number) => {
          // [B, nh, T, T] -> real query positions: move heads inside the position axis first.
          const perQuery = (x: ArrayLike<number>) => {
            const o = new Float32Array(B * T * nh * T);
            for (let b = 0; b < B; b++)
              for (let h = 0; h < nh; h++)
                for (let q = 0; q < T; q++)
                  for (let k = 0; k < T; k++) o[((b * T + q) * nh + h) * T + k] = x[((b * nh + h) * T + q) * T + k];
            return atRealPositions(o, mask, nh * T);
          };
          checks.push(
            check(`attentions[${i}]`, perQuery(num(`attentions_${i}`)), perQuery(flatten(a).data), tol.attentions),
          );
        });
        const logits = num('logits');
        checks.push(check('logits.lm', atRealPositions(logits, mask, V), real(fwd.logits.lm, V), tol.logits.lm));
        const s = scoreFromLogits(logits, inp.input_ids, mask, inp.continuation_start, V);
        checks.push(
          check(
            'next_token_logprobs',
            s.nextTokenLogprobs.flat(),
            flatten(fwd.next_token_logprobs).data,
            tol.next_token_logprobs,
          ),
          check('sequence_logprob', s.sequenceLogprob, flatten(fwd.sequence_logprob).data, tol.sequence_logprob),
          check(
            'continuation_logprob',
            s.continuationLogprob,
            flatten(fwd.continuation_logprob).data,
            tol.continuation_logprob,
          ),
          check('loss.lm', [s.loss], [Math.fround(fwd.loss.lm)], tol.loss.lm),
        );
        const bad = checks.filter((c) => !c.ok);
        expect(bad, JSON.stringify(bad)).toEqual([]);
        expect(checks.length).toBe(f.config.numHiddenLayers * 2 + 10); // rope 2, hidden L+1, attentions L, 2 norms, logits, 4 scores
      });
    }

    it('the text-generation exports (without and with past_key_values) give the same logits', async () => {
      const goldenLogits = real(fwd.logits.lm, V);
      const feeds = causalFeeds(f);
      const plain = serializeGraph(buildLlamaLmGraph(f.weights, f.config, false));
      const cached = serializeGraph(buildLlamaLmGraph(f.weights, f.config, true));
      const kv = f.config.numKeyValueHeads;
      const emptyPast: Record<string, FeedSpec> = {};
      for (let i = 0; i < f.config.numHiddenLayers; i++)
        for (const part of ['key', 'value'])
          emptyPast[`past_key_values.${i}.${part}`] = { data: new Float32Array(0), dims: [B, kv, 0, hd] };
      for (const backend of BACKENDS) {
        const a = await runModel(plain, feeds, backend);
        expect(Object.keys(a)).toEqual(['logits']);
        const c1 = check(
          'logits (no cache)',
          atRealPositions(a.logits.data as Float32Array, mask, V),
          goldenLogits,
          tol.logits.lm,
        );
        expect(c1.ok, JSON.stringify(c1)).toBe(true);
        // A prefix of P tokens with an empty cache, then the other T - P tokens from the cache it returned.
        const P = 3;
        const cols = (x: BigInt64Array, from: number, to: number) =>
          BigInt64Array.from(
            { length: B * (to - from) },
            (_, k) => x[Math.floor(k / (to - from)) * T + from + (k % (to - from))],
          );
        const part = (from: number, to: number) => ({
          input_ids: { data: cols(feeds.input_ids.data, from, to), dims: [B, to - from] },
          position_ids: { data: cols(feeds.position_ids.data, from, to), dims: [B, to - from] },
          attention_mask: { data: cols(feeds.attention_mask.data, 0, to), dims: [B, to] },
        });
        const first = await runModel(cached, { ...part(0, P), ...emptyPast }, backend);
        const past: Record<string, FeedSpec> = {};
        for (const name of Object.keys(emptyPast)) {
          const present = first[name.replace('past_key_values', 'present')];
          expect(present.dims).toEqual([B, kv, P, hd]);
          past[name] = { data: present.data as Float32Array, dims: [...present.dims] };
        }
        const rest = await runModel(cached, { ...part(P, T), ...past }, backend);
        expect(rest['present.0.key'].dims).toEqual([B, kv, T, hd]);
        // Stitch the two runs' logits back into [B, T, V] and judge them like the single run.
        const whole = new Float32Array(B * T * V);
        const [l1, l2] = [first.logits.data as Float32Array, rest.logits.data as Float32Array];
        for (let b = 0; b < B; b++) {
          whole.set(l1.subarray(b * P * V, (b + 1) * P * V), b * T * V);
          whole.set(l2.subarray(b * (T - P) * V, (b + 1) * (T - P) * V), (b * T + P) * V);
        }
        const c2 = check('logits (prefix + cache)', atRealPositions(whole, mask, V), goldenLogits, tol.logits.lm);
        expect(c2.ok, JSON.stringify(c2)).toBe(true);
      }
    });
  });
}
