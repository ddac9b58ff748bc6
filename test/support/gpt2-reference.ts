// An independent GPT-2 forward in plain float64 loops (llm.c style: one function per layer, shapes beside buffers),
// written from transformers' GPT2LMHeadModel (eager attention), not from src/nn/gpt2.ts. The graph is judged
// against it: it checks the semantics (Conv1D layout, pre-LN, causal + padding mask, gelu_new, tied head) that the
// transformers.js comparison cannot, since transformers.js runs our own ONNX file.
import { gpt2Inner, type Gpt2Config } from '../../src/nn/gpt2-config.ts';
import type { NamedTensor } from '../../src/nn/safetensors.ts';

type W = Map<string, NamedTensor>;

function tensor(w: W, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: no tensor ${name}`);
  return t.data;
}

/** LayerNorm over each row of x [T, H] (biased variance, as torch). */
function layerNorm(x: Float64Array[], gamma: Float32Array, beta: Float32Array, eps: number): Float64Array[] {
  return x.map((row) => {
    const H = row.length;
    let mean = 0;
    for (const v of row) mean += v;
    mean /= H;
    let variance = 0;
    for (const v of row) variance += (v - mean) ** 2;
    variance /= H;
    const inv = 1 / Math.sqrt(variance + eps);
    return Float64Array.from(row, (v, i) => (v - mean) * inv * gamma[i] + beta[i]);
  });
}

/** Conv1D: x [T, in] @ W [in, out] + b [out]. */
function conv1d(x: Float64Array[], w: Float32Array, b: Float32Array, inF: number, outF: number): Float64Array[] {
  return x.map((row) => {
    const out = Float64Array.from(b);
    for (let i = 0; i < inF; i++) {
      const xi = row[i];
      if (xi === 0) continue;
      const base = i * outF;
      for (let o = 0; o < outF; o++) out[o] += xi * w[base + o];
    }
    return out;
  });
}

function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** erf to ~1e-15: its Taylor series near 0, the continued fraction of erfc beyond 2.5 (where the series cancels). */
function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 2.5) {
    let sum = x;
    let term = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = a;
  for (let n = 80; n >= 1; n--) f = a + n / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f));
}

/** Causal self-attention for one row: x [T, H] -> [T, H]; mask [T] of 0/1 over keys. */
function attention(w: W, c: Gpt2Config, layer: number, x: Float64Array[], mask: number[]): Float64Array[] {
  const p = `transformer.h.${layer}.attn`;
  const H = c.nEmbd;
  const nh = c.nHead;
  const hd = H / nh;
  const T = x.length;
  const qkv = conv1d(x, tensor(w, `${p}.c_attn.weight`), tensor(w, `${p}.c_attn.bias`), H, 3 * H); // [T, 3H]
  let scale = c.scaleAttnWeights ? 1 / Math.sqrt(hd) : 1;
  if (c.scaleAttnByInverseLayerIdx) scale /= layer + 1;
  const context = Array.from({ length: T }, () => new Float64Array(H)); // [T, H]
  for (let h = 0; h < nh; h++) {
    for (let i = 0; i < T; i++) {
      const allowed: number[] = [];
      for (let j = 0; j < T; j++) if (j <= i && mask[j]) allowed.push(j);
      // No key allowed (a left-padded query): transformers' masked scores are all equal, the softmax uniform.
      const keys = allowed.length ? allowed : Array.from({ length: T }, (_, j) => j);
      const scores = keys.map((j) => {
        let s = 0;
        for (let d = 0; d < hd; d++) s += qkv[i][h * hd + d] * qkv[j][H + h * hd + d];
        return allowed.length ? s * scale : 0;
      });
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      keys.forEach((j, k) => {
        for (let d = 0; d < hd; d++) context[i][h * hd + d] += (e[k] / z) * qkv[j][2 * H + h * hd + d];
      });
    }
  }
  return conv1d(context, tensor(w, `${p}.c_proj.weight`), tensor(w, `${p}.c_proj.bias`), H, H);
}

function mlp(w: W, c: Gpt2Config, layer: number, x: Float64Array[]): Float64Array[] {
  const p = `transformer.h.${layer}.mlp`;
  const H = c.nEmbd;
  const I = gpt2Inner(c);
  const act = c.activationFunction === 'gelu' ? geluErf : geluNew;
  const hidden = conv1d(x, tensor(w, `${p}.c_fc.weight`), tensor(w, `${p}.c_fc.bias`), H, I).map((r) => r.map(act));
  return conv1d(hidden, tensor(w, `${p}.c_proj.weight`), tensor(w, `${p}.c_proj.bias`), I, H);
}

const addRows = (a: Float64Array[], b: Float64Array[]) => a.map((r, i) => r.map((v, j) => v + b[i][j]));

/** Logits of one row: ids, mask and position ids [T] -> [T, V] (float64). */
export function referenceLogits(
  w: W,
  c: Gpt2Config,
  ids: number[],
  mask: number[],
  positions: number[],
): Float64Array[] {
  const H = c.nEmbd;
  const wte = tensor(w, 'transformer.wte.weight');
  const wpe = tensor(w, 'transformer.wpe.weight');
  let x = ids.map((id, t) => Float64Array.from({ length: H }, (_, k) => wte[id * H + k] + wpe[positions[t] * H + k])); // [T, H]
  for (let l = 0; l < c.nLayer; l++) {
    const p = `transformer.h.${l}`;
    x = addRows(
      x,
      attention(
        w,
        c,
        l,
        layerNorm(x, tensor(w, `${p}.ln_1.weight`), tensor(w, `${p}.ln_1.bias`), c.layerNormEpsilon),
        mask,
      ),
    );
    x = addRows(
      x,
      mlp(w, c, l, layerNorm(x, tensor(w, `${p}.ln_2.weight`), tensor(w, `${p}.ln_2.bias`), c.layerNormEpsilon)),
    );
  }
  const last = layerNorm(
    x,
    tensor(w, 'transformer.ln_f.weight'),
    tensor(w, 'transformer.ln_f.bias'),
    c.layerNormEpsilon,
  );
  const head = c.tieWordEmbeddings ? wte : tensor(w, 'lm_head.weight'); // [V, H]
  return last.map((row) => {
    const out = new Float64Array(c.vocabSize);
    for (let v = 0; v < c.vocabSize; v++) {
      let s = 0;
      const base = v * H;
      for (let k = 0; k < H; k++) s += row[k] * head[base + k];
      out[v] = s;
    }
    return out;
  });
}
