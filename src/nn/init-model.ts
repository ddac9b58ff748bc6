// `init-model`: a complete Hugging Face-layout folder with deterministic random weights (see init.ts for the
// recipe), the real tokenizer files, and onnx/model.onnx: how every test and demo gets a model here.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '../tokenizer/index.ts';
import { parseModelConfig, type ModelConfig } from './config.ts';
import { exportModel } from './export.ts';
import { writeModelFolder } from './folder.ts';
import { initWeights } from './init.ts';
import type { Pooling } from './pooling.ts';

export interface InitModelOptions {
  arch: 'bert' | 'roberta';
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  /** Classification labels (id order); with them the model gets a classification head. */
  labels?: string[];
  /** 'hf_seqcls': BertForSequenceClassification / RobertaForSequenceClassification; 'project': pool + Linear. */
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
  const tokenizerJson = readJson(path.join(o.tokenizerDir, 'tokenizer.json'));
  const tokenizerConfig = readJson(path.join(o.tokenizerDir, 'tokenizer_config.json'));
  const tokenizer = Tokenizer.fromJson(tokenizerJson);
  const ids = [
    ...Object.values(tokenizerJson.model.vocab as Record<string, number>),
    ...(tokenizerJson.added_tokens ?? []).map((t: { id: number }) => t.id),
  ];
  const vocabSize = Math.max(...ids) + 1;
  const padToken =
    typeof tokenizerConfig.pad_token === 'string' ? tokenizerConfig.pad_token : tokenizerConfig.pad_token?.content;
  const padTokenId = (padToken && tokenizer.tokenToId(padToken)) ?? (o.arch === 'roberta' ? 1 : 0);
  const roberta = o.arch === 'roberta';
  const maxLength =
    typeof tokenizerConfig.model_max_length === 'number' && tokenizerConfig.model_max_length < 1e6
      ? tokenizerConfig.model_max_length
      : 512;
  const head = o.labels?.length ? (o.head ?? 'hf_seqcls') : null;
  const base = roberta ? 'Roberta' : 'Bert';
  const json: Record<string, unknown> = {
    model_type: o.arch,
    architectures: [head ? `${base}ForSequenceClassification` : `${base}Model`],
    vocab_size: vocabSize,
    hidden_size: o.hidden,
    num_hidden_layers: o.layers,
    num_attention_heads: o.heads,
    intermediate_size: o.intermediate,
    hidden_act: 'gelu',
    max_position_embeddings: o.maxPositionEmbeddings ?? (roberta ? maxLength + padTokenId + 1 : maxLength),
    type_vocab_size: roberta ? 1 : 2,
    layer_norm_eps: roberta ? 1e-5 : 1e-12,
    pad_token_id: padTokenId,
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    classifier_dropout: null,
    initializer_range: o.std ?? 0.02,
    ...(roberta
      ? { bos_token_id: tokenizer.tokenToId('<s>') ?? 0, eos_token_id: tokenizer.tokenToId('</s>') ?? 2 }
      : {}),
    ...(o.labels?.length ? { id2label: Object.fromEntries(o.labels.map((l, i) => [String(i), l])) } : {}),
    ...(o.problemType ? { problem_type: o.problemType } : {}),
    ...(head === 'project'
      ? { edgeclass: { head: 'project', pooling: o.pooling ?? 'cls', init_seed: o.seed } }
      : { edgeclass: { init_seed: o.seed } }),
  };
  if (head === 'project' && !o.pooling) throw new Error('the project head needs --pooling cls|mean|max');
  const config = parseModelConfig(json);
  const weights = initWeights(config, { seed: o.seed, std: o.std, head });
  const sentenceTransformers = o.sentenceTransformers
    ? { pooling: o.pooling ?? 'mean', normalize: o.normalize ?? false }
    : null;
  writeModelFolder(o.out, { config, weights, tokenizerDir: o.tokenizerDir, sentenceTransformers });
  const { file } = exportModel(o.out, { task: head ? 'sequence-classification' : 'feature-extraction' });
  return { dir: o.out, config, onnx: file };
}
