// The PyTorch model fixtures (../shared/golden/model or EDGECLASS_MODEL_GOLDEN_DIR: BERT, RoBERTa; and
// ../shared/golden/model-arch or EDGECLASS_MODEL_ARCH_GOLDEN_DIR: XLM-RoBERTa, DistilBERT, Llama): discovery,
// loading, and the README's tolerance rule: max|cand - golden| <= 10 * fp32_vs_fp64_maxabs + 1e-6 * max|golden|.
// Tests dispatch on golden.model_type (through the architecture registry) and golden.task ('causal-lm': Llama).
import fs from 'node:fs';
import path from 'node:path';
import { parseModelConfig } from '../../src/nn/arch/index.ts';
import type { ModelConfig } from '../../src/nn/config.ts';
import { parseLlamaConfig, type LlamaConfig } from '../../src/nn/llama-config.ts';
import { canonicalLlamaWeightNames } from '../../src/nn/llama.ts';
import { readSafetensors, type NamedTensor } from '../../src/nn/safetensors.ts';
import { canonicalWeightNames } from '../../src/nn/weights.ts';
import { REPO_ROOT } from './paths.ts';

export const MODEL_GOLDEN_DIR = path.resolve(
  process.env.EDGECLASS_MODEL_GOLDEN_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'golden', 'model'),
);
export const MODEL_ARCH_GOLDEN_DIR = path.resolve(
  process.env.EDGECLASS_MODEL_ARCH_GOLDEN_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'golden', 'model-arch'),
);
export const MODEL_GOLDEN_DIRS = [MODEL_GOLDEN_DIR, MODEL_ARCH_GOLDEN_DIR];

export interface Fixture {
  name: string;
  dir: string;
  config: ModelConfig;
  /** Canonical names: encoder without prefix, heads as in the checkpoint, plus project_head.classifier.*. */
  weights: Map<string, NamedTensor>;
  golden: any;
}

/** Every fixture folder of the given directories (both golden directories by default). */
export function fixtureDirs(dirs: string[] = MODEL_GOLDEN_DIRS): string[] {
  return dirs.flatMap((dir) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .map((d) => path.join(dir, d))
          .filter((d) => fs.existsSync(path.join(d, 'golden.json')))
          .sort()
      : [],
  );
}

/** golden.task of a fixture folder: 'causal-lm' (Llama) or 'sequence-classification' (absent in the file). */
export function fixtureTask(dir: string): 'causal-lm' | 'sequence-classification' {
  const golden = JSON.parse(fs.readFileSync(path.join(dir, 'golden.json'), 'utf8'));
  return golden.task === 'causal-lm' ? 'causal-lm' : 'sequence-classification';
}

export interface CausalFixture {
  name: string;
  dir: string;
  config: LlamaConfig;
  /** LlamaForCausalLM names (a tied lm_head left out). */
  weights: Map<string, NamedTensor>;
  golden: any;
}

export function loadCausalFixture(dir: string): CausalFixture {
  const golden = JSON.parse(fs.readFileSync(path.join(dir, 'golden.json'), 'utf8'));
  if (golden.model_type !== 'llama')
    throw new Error(`${dir}: no causal-LM harness for model_type ${golden.model_type}`);
  const config = parseLlamaConfig(
    JSON.parse(fs.readFileSync(path.join(dir, golden.files?.config ?? 'config.json'), 'utf8')),
  );
  const bytes = new Uint8Array(fs.readFileSync(path.join(dir, golden.files?.weights ?? 'model.safetensors')));
  return {
    name: path.basename(dir),
    dir,
    config,
    weights: canonicalLlamaWeightNames(readSafetensors(bytes).tensors, config),
    golden,
  };
}

export function loadFixture(dir: string): Fixture {
  const golden = JSON.parse(fs.readFileSync(path.join(dir, 'golden.json'), 'utf8'));
  const config = parseModelConfig(
    JSON.parse(fs.readFileSync(path.join(dir, golden.files?.config ?? 'config.json'), 'utf8')),
  );
  const read = (file: string) => readSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, file)))).tensors;
  const weights = canonicalWeightNames(read(golden.files?.weights ?? 'model.safetensors'), config.modelType);
  for (const [name, t] of read(golden.files?.project_head ?? 'project_head.safetensors')) weights.set(name, t);
  return { name: path.basename(dir), dir, config, weights, golden };
}

/** Nested lists -> flat float32 values and shape. */
export function flatten(nested: unknown): { data: Float32Array; shape: number[] } {
  const shape: number[] = [];
  let probe: unknown = nested;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const out: number[] = [];
  const walk = (x: unknown) => (Array.isArray(x) ? x.forEach(walk) : out.push(Math.fround(Number(x))));
  walk(nested);
  return { data: Float32Array.from(out), shape };
}

export interface Check {
  name: string;
  maxAbs: number;
  allowed: number;
  ok: boolean;
}

/** The README's tolerance rule for one entry; `scale` overrides max|golden| (zero-gradient parameters). */
export function check(
  name: string,
  candidate: ArrayLike<number>,
  golden: ArrayLike<number>,
  fp64MaxAbs: number,
  scale?: number,
): Check {
  if (candidate.length !== golden.length) return { name, maxAbs: Infinity, allowed: 0, ok: false };
  let maxAbs = 0;
  let maxGolden = 0;
  for (let i = 0; i < golden.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(candidate[i] - golden[i]));
    maxGolden = Math.max(maxGolden, Math.abs(golden[i]));
  }
  if (Number.isNaN(maxAbs)) maxAbs = Infinity;
  const allowed = 10 * fp64MaxAbs + 1e-6 * (scale ?? maxGolden);
  return { name, maxAbs, allowed, ok: maxAbs <= allowed };
}
