// `init-model`: a complete Hugging Face-layout folder with deterministic random weights (see init.ts for the
// recipe), the real tokenizer files, and onnx/model.onnx: how every test and demo gets a model here.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '../tokenizer/index.ts';
import { encoderArchitecture } from './arch/index.ts';
import { parseModelConfig } from './arch/index.ts';
import type { ModelConfig, ModelType } from './config.ts';
import { exportModel } from './export.ts';
import { writeModelFolder } from './folder.ts';
import { initWeights } from './init.ts';
import type { Pooling } from './pooling.ts';

export interface InitModelOptions {
  arch: ModelType;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  /** Classification labels (id order); with them the model gets a classification head. */
  labels?: string[];
  /** 'hf_seqcls': the architecture's ...ForSequenceClassification head; 'project': pool + Linear. */
  head?: 'hf_seqcls' | 'project';
  /** The project head's pooling, or the sentence-transformers pooling of an embedding model. */
  pooling?: Pooling;
  /** Write sentence-transformers modules (1_Pooling, optional 2_Normalize) for an embedding model. */
  sentenceTransformers?: boolean;
  normalize?: boolean;
  problemType?: 'single_label_classification' | 'multi_label_classification';
  tokenizerDir: string;
  seed: number;
  std?: number;
  maxPositionEmbeddings?: number;
  out: string;
}

function readJson(file: string): any {
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
}

export function initModel(o: InitModelOptions): { dir: string; config: ModelConfig; onnx: string } {
  const arch = encoderArchitecture(o.arch);
  const tokenizerJson = readJson(path.join(o.tokenizerDir, 'tokenizer.json'));
  const tokenizerConfig = readJson(path.join(o.tokenizerDir, 'tokenizer_config.json'));
  const tokenizer = Tokenizer.fromJson(tokenizerJson);
  const ids = [
    ...Object.values(tokenizerJson.model.vocab as Record<string, number>),
    ...(tokenizerJson.added_tokens ?? []).map((t: { id: number }) => t.id),
  ];
  const padToken =
    typeof tokenizerConfig.pad_token === 'string' ? tokenizerConfig.pad_token : tokenizerConfig.pad_token?.content;
  const maxLength =
    typeof tokenizerConfig.model_max_length === 'number' && tokenizerConfig.model_max_length < 1e6
      ? tokenizerConfig.model_max_length
      : 512;
  const head = o.labels?.length ? (o.head ?? 'hf_seqcls') : null;
  if (head === 'project' && !o.pooling) throw new Error('the project head needs --pooling cls|mean|max');
  const json: Record<string, unknown> = {
    ...arch.initConfig({
      vocabSize: Math.max(...ids) + 1,
      padTokenId: (padToken && tokenizer.tokenToId(padToken)) ?? null,
      bosTokenId: tokenizer.tokenToId('<s>') ?? null,
      eosTokenId: tokenizer.tokenToId('</s>') ?? null,
      maxLength,
      maxPositionEmbeddings: o.maxPositionEmbeddings,
      layers: o.layers,
      hidden: o.hidden,
      heads: o.heads,
      intermediate: o.intermediate,
      std: o.std ?? 0.02,
      classifier: head !== null,
    }),
    ...(o.labels?.length ? { id2label: Object.fromEntries(o.labels.map((l, i) => [String(i), l])) } : {}),
    ...(o.problemType ? { problem_type: o.problemType } : {}),
    ...(head === 'project'
      ? { edgeclass: { head: 'project', pooling: o.pooling ?? 'cls', init_seed: o.seed } }
      : { edgeclass: { init_seed: o.seed } }),
  };
  const config = parseModelConfig(json);
  const weights = initWeights(config, { seed: o.seed, std: o.std, head });
  const sentenceTransformers = o.sentenceTransformers
    ? { pooling: o.pooling ?? 'mean', normalize: o.normalize ?? false }
    : null;
  writeModelFolder(o.out, { config, weights, tokenizerDir: o.tokenizerDir, sentenceTransformers });
  const { file } = exportModel(o.out, { task: head ? 'sequence-classification' : 'feature-extraction' });
  return { dir: o.out, config, onnx: file };
}
