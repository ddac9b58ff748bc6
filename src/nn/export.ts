// Export: a model folder -> onnx/model.onnx with Hugging Face Optimum's names and dynamic batch/sequence axes.
// A causal LM's folder goes to its architecture's exporter (text-generation); an encoder's is built here.
import fs from 'node:fs';
import path from 'node:path';
import { serializeGraph } from '../graph/index.ts';
import { quantizeFor, type QuantizedDtype } from '../graph/quantize.ts';
import { architecture } from './arch/index.ts';
import { readModelFolder, type ModelFolder } from './folder.ts';
import { buildInferenceGraph, headOf, type ExportSpec, type Task } from './model-graph.ts';
import type { Pooling } from './pooling.ts';

export interface ExportOptions {
  task?: Task;
  pooling?: Pooling | null;
  normalize?: boolean;
  /** Folder to write onnx/ into; the model folder itself by default. */
  out?: string;
  /**
   * Also write a quantized variant where transformers.js looks for it: q8 onnx/model_quantized.onnx (dynamic int8
   * MatMuls, int8 word embeddings), q4 onnx/model_q4.onnx (4-bit MatMulNBits, int8 word embeddings).
   */
  quantize?: QuantizedDtype | null;
  /** Called before each stage (the CLI's progress bar): `done` of `total` stages are finished. */
  onStage?: (stage: string, done: number, total: number) => void;
}

/** The graph spec for a folder: flags first, then what the folder says (sentence-transformers, edgeclass head). */
export function exportSpecFor(folder: ModelFolder, options: ExportOptions): ExportSpec {
  const head = headOf(folder.weights);
  const task: Task = options.task ?? (head ? 'sequence-classification' : 'feature-extraction');
  const stored = folder.config.extra.edgeclass as { pooling?: Pooling } | undefined;
  const pooling = options.pooling ?? stored?.pooling ?? folder.sentenceTransformers?.pooling ?? null;
  const normalize = options.normalize ?? folder.sentenceTransformers?.normalize ?? false;
  return { task, pooling, normalize, head: head ?? undefined };
}

export function exportModel(
  dir: string,
  options: ExportOptions = {},
): { file: string; spec: ExportSpec; bytes: number } {
  const arch = architecture(readConfigJson(dir).model_type);
  if (arch.family === 'causal-lm') {
    if (options.quantize) throw new Error(`--quantize applies to encoders; a ${arch.modelType} model exports fp32`);
    return arch.exportFolder(dir, options);
  }
  const total = options.quantize ? 4 : 2;
  options.onStage?.('reading the folder', 0, total);
  const folder = readModelFolder(dir);
  const spec = exportSpecFor(folder, options);
  const docString = `edgeclass export: ${spec.task}${spec.pooling ? `, ${spec.pooling} pooling` : ''}${spec.normalize ? ', normalized' : ''}`;
  options.onStage?.('building and writing onnx/model.onnx', 1, total);
  const bytes = serializeGraph(buildInferenceGraph(folder.weights, folder.config, spec), { docString });
  const out = path.join(options.out ?? dir, 'onnx');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, 'model.onnx');
  fs.writeFileSync(file, bytes);
  if (options.quantize) {
    options.onStage?.(`quantizing weights (${options.quantize})`, 2, total);
    const graph = buildInferenceGraph(folder.weights, folder.config, spec);
    const variant = quantizeFor(graph, options.quantize);
    options.onStage?.(`writing onnx/${variant.file}`, 3, total);
    fs.writeFileSync(
      path.join(out, variant.file),
      serializeGraph(graph, { docString: `${docString}, ${variant.note}`, extraOpsets: variant.extraOpsets }),
    );
  }
  options.onStage?.('done', total, total);
  return { file, spec, bytes: bytes.length };
}

function readConfigJson(dir: string): Record<string, unknown> {
  const file = path.join(dir, 'config.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
