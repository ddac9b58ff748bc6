// Model folders in the Hugging Face layout on disk (Node only): config.json, model.safetensors, tokenizer files,
// sentence-transformers' modules.json / 1_Pooling/config.json, and onnx/model.onnx.
import fs from 'node:fs';
import path from 'node:path';
import { parseModelConfig, toHfConfigJson } from './arch/index.ts';
import type { ModelConfig } from './config.ts';
import type { Pooling } from './pooling.ts';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors.ts';
import { TOKENIZER_FILES } from './tokenizer-files.ts';
import { canonicalWeightNames, hfCheckpointNames } from './weights.ts';

/** What sentence-transformers' modules add on top of the encoder. */
export interface SentenceTransformersInfo {
  pooling: Pooling;
  normalize: boolean;
}

export interface ModelFolder {
  dir: string;
  config: ModelConfig;
  /** Canonical names (encoder unprefixed). */
  weights: Map<string, NamedTensor>;
  sentenceTransformers: SentenceTransformersInfo | null;
}

function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** sentence-transformers' Pooling config -> one of our poolings; combinations and other modes are refused. */
export function poolingFromSentenceTransformers(config: Record<string, unknown>): Pooling {
  const modes: [string, Pooling][] = [
    ['pooling_mode_cls_token', 'cls'],
    ['pooling_mode_mean_tokens', 'mean'],
    ['pooling_mode_max_tokens', 'max'],
  ];
  const on = modes.filter(([k]) => config[k] === true).map(([, p]) => p);
  const unsupported = [
    'pooling_mode_mean_sqrt_len_tokens',
    'pooling_mode_weightedmean_tokens',
    'pooling_mode_lasttoken',
  ].filter((k) => config[k] === true);
  if (unsupported.length || on.length !== 1) {
    throw new Error(
      `1_Pooling/config.json: edgeclass supports exactly one of cls, mean or max pooling (got ${[...on, ...unsupported].join(', ') || 'none'})`,
    );
  }
  return on[0];
}

function readSentenceTransformers(dir: string): SentenceTransformersInfo | null {
  const modulesFile = path.join(dir, 'modules.json');
  if (!fs.existsSync(modulesFile)) return null;
  const modules = readJson(modulesFile) as { type: string; path: string }[];
  const poolingModule = modules.find((m) => m.type.endsWith('.Pooling'));
  if (!poolingModule) return null;
  const pooling = poolingFromSentenceTransformers(readJson(path.join(dir, poolingModule.path, 'config.json')));
  return { pooling, normalize: modules.some((m) => m.type.endsWith('.Normalize')) };
}

export function readModelFolder(dir: string): ModelFolder {
  const config = parseModelConfig(readJson(path.join(dir, 'config.json')));
  const weightsFile = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(weightsFile))
    throw new Error(`${dir} has no model.safetensors (edgeclass reads safetensors checkpoints)`);
  const weights = canonicalWeightNames(
    readSafetensors(new Uint8Array(fs.readFileSync(weightsFile))).tensors,
    config.modelType,
  );
  return { dir, config, weights, sentenceTransformers: readSentenceTransformers(dir) };
}

export interface WriteFolderOptions {
  config: ModelConfig;
  weights: Map<string, NamedTensor>;
  /** Copy the tokenizer files found there. */
  tokenizerDir?: string;
  sentenceTransformers?: SentenceTransformersInfo | null;
}

export function writeModelFolder(dir: string, options: WriteFolderOptions): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(toHfConfigJson(options.config), null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, 'model.safetensors'),
    writeSafetensors(hfCheckpointNames(options.weights, options.config.modelType)),
  );
  if (options.tokenizerDir) {
    const copied = TOKENIZER_FILES.filter((f) => fs.existsSync(path.join(options.tokenizerDir!, f)));
    if (!copied.includes('tokenizer.json')) throw new Error(`${options.tokenizerDir} has no tokenizer.json`);
    for (const f of copied) {
      fs.copyFileSync(path.join(options.tokenizerDir, f), path.join(dir, f));
      fs.chmodSync(path.join(dir, f), 0o644); // the source may be read-only (../shared); the copy is ours
    }
  }
  const st = options.sentenceTransformers;
  if (st) {
    const modules = [
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      ...(st.normalize
        ? [{ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' }]
        : []),
    ];
    fs.writeFileSync(path.join(dir, 'modules.json'), `${JSON.stringify(modules, null, 2)}\n`);
    fs.mkdirSync(path.join(dir, '1_Pooling'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, '1_Pooling', 'config.json'),
      `${JSON.stringify(
        {
          word_embedding_dimension: options.config.hiddenSize,
          pooling_mode_cls_token: st.pooling === 'cls',
          pooling_mode_mean_tokens: st.pooling === 'mean',
          pooling_mode_max_tokens: st.pooling === 'max',
          pooling_mode_mean_sqrt_len_tokens: false,
        },
        null,
        2,
      )}\n`,
    );
    if (st.normalize) fs.mkdirSync(path.join(dir, '2_Normalize'), { recursive: true });
  }
}
