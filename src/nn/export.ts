// Export: a model folder -> onnx/model.onnx with Hugging Face Optimum's names and dynamic batch/sequence axes.
// A causal LM's folder goes to its architecture's exporter (text-generation); an encoder's is built here.
import fs from 'node:fs';
import path from 'node:path';
import { serializeGraph } from '../graph/index.ts';
import { quantizeDynamicInt8 } from '../graph/quantize.ts';
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
  /** 'q8': also write onnx/model_quantized.onnx (dynamic int8 weights), the file transformers.js loads for q8. */
  quantize?: 'q8' | null;
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
  const total = options.quantize === 'q8' ? 4 : 2;
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
  if (options.quantize === 'q8') {
    options.onStage?.('quantizing weights to int8', 2, total);
    const graph = buildInferenceGraph(folder.weights, folder.config, spec);
    quantizeDynamicInt8(graph);
    options.onStage?.('writing onnx/model_quantized.onnx', 3, total);
    fs.writeFileSync(
      path.join(out, 'model_quantized.onnx'),
      serializeGraph(graph, { docString: `${docString}, dynamic int8 (q8)` }),
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
