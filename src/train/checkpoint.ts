// Checkpoints as Hugging Face's Trainer lays them out: checkpoint-<step>/ with the model (safetensors, Hugging
// Face names), the optimizer state, and trainer_state.json -- everything an exact resume needs. Node only.
import type { RunIdentity } from './run-identity.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { ModelConfig } from '../nn/config.ts';
import { writeModelFolder } from '../nn/folder.ts';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../nn/safetensors.ts';
import { canonicalWeightNames } from '../nn/weights.ts';

export interface TrainerState {
  /** Optimizer steps done. */
  globalStep: number;
  epoch: number;
  /** Micro-batches of `epoch` already consumed. */
  batchInEpoch: number;
  bestMetric: number | null;
  bestStep: number | null;
  /** Evaluations without improvement (early stopping). */
  patienceUsed: number;
  logHistory: Record<string, number | string>[];
  /** The data and batch layout of the run (absent in checkpoints of older versions): a resume must match it. */
  run?: RunIdentity;
}

export interface CheckpointContents {
  config: ModelConfig;
  weights: Map<string, NamedTensor>;
  moments: Map<string, NamedTensor>;
  state: TrainerState;
}

export function saveCheckpoint(dir: string, c: CheckpointContents, tokenizerDir?: string): void {
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  writeModelFolder(tmp, { config: c.config, weights: c.weights, tokenizerDir });
  fs.writeFileSync(path.join(tmp, 'optimizer.safetensors'), writeSafetensors(c.moments));
  fs.writeFileSync(path.join(tmp, 'trainer_state.json'), `${JSON.stringify(c.state, null, 2)}\n`);
  // A checkpoint appears whole or not at all: a worker killed mid-write leaves only the .tmp folder.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

export function loadCheckpoint(dir: string, config: ModelConfig): Omit<CheckpointContents, 'config'> {
  const weights = canonicalWeightNames(
    readSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, 'model.safetensors')))).tensors,
    config.modelType,
  );
  const moments = readSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, 'optimizer.safetensors')))).tensors;
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'trainer_state.json'), 'utf8')) as TrainerState;
  // Copies: the trainer updates these arrays, and reads may alias the file buffer.
  const copy = (m: Map<string, NamedTensor>) =>
    new Map([...m].map(([k, t]) => [k, { shape: t.shape, data: t.data.slice() }]));
  return { weights: copy(weights), moments: copy(moments), state };
}

/** checkpoint-<step> folders under `dir`, newest last. */
export function listCheckpoints(dir: string): { step: number; dir: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => /^checkpoint-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && fs.existsSync(path.join(dir, m[0], 'trainer_state.json')))
    .map((m) => ({ step: Number(m[1]), dir: path.join(dir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}
