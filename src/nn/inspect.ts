// `edgeclass inspect`: a model folder's module tree with parameter counts, and which parameters a freeze setting
// trains -- the seed notebook prints `bert_model` to find its layers before freezing them; this is that view for
// every architecture, from the checkpoint's header alone (no tensor data is read). Node only.
import fs from 'node:fs';
import path from 'node:path';
import { isFrozen, type FreezeSpec } from './arch/freeze.ts';
import { readModelConfig } from './arch/index.ts';
import type { ModuleLayout } from './arch/types.ts';
import type { NamedTensor } from './safetensors.ts';
import { canonicalWeightNames } from './weights.ts';

export interface ModuleRow {
  /** Dotted module path ('encoder.layer.0'); depth = its number of parts. */
  path: string;
  depth: number;
  parameters: number;
  trainable: number;
}

export interface Inspection {
  modelType: string;
  family: 'encoder' | 'causal-lm';
  architectures: string[];
  layers: number;
  freeze: FreezeSpec;
  parameters: number;
  trainableParameters: number;
  modules: ModuleRow[];
  /** Canonical tensor names, in checkpoint order. */
  trainable: string[];
  frozen: string[];
}

/** name -> shape from a safetensors header (u64 LE size, then JSON), without reading the data. */
export function safetensorsShapes(file: string): Map<string, number[]> {
  const fd = fs.openSync(file, 'r');
  try {
    const size = Buffer.alloc(8);
    fs.readSync(fd, size, 0, 8, 0);
    const n = Number(size.readBigUInt64LE());
    if (!(n > 0 && n < 100_000_000)) throw new Error(`${file}: not a safetensors file (header size ${n})`);
    const header = Buffer.alloc(n);
    fs.readSync(fd, header, 0, n, 8);
    const json = JSON.parse(header.toString('utf8')) as Record<string, { shape: number[] }>;
    return new Map(
      Object.entries(json)
        .filter(([k]) => k !== '__metadata__')
        .map(([k, v]) => [k, v.shape]),
    );
  } finally {
    fs.closeSync(fd);
  }
}

/** The rows of the tree: every module down to the transformer blocks, which are leaves of the view. */
function moduleRows(
  shapes: Map<string, number[]>,
  layout: ModuleLayout,
  trains: (name: string) => boolean,
): ModuleRow[] {
  const blockDepth = layout.layer(0).split('.').length - 1;
  const rows = new Map<string, ModuleRow>();
  for (const [name, shape] of shapes) {
    const parts = name.split('.').slice(0, -1); // the module path: drop 'weight' / 'bias'
    const count = shape.reduce((a, b) => a * b, 1);
    for (let d = 1; d <= Math.min(parts.length, blockDepth); d++) {
      const p = parts.slice(0, d).join('.');
      const row = rows.get(p) ?? { path: p, depth: d, parameters: 0, trainable: 0 };
      row.parameters += count;
      if (trains(name)) row.trainable += count;
      rows.set(p, row);
    }
  }
  return [...rows.values()];
}

export function inspectModelFolder(dir: string, freeze: FreezeSpec): Inspection {
  const { arch, config } = readModelConfig(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
  const file = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(file)) throw new Error(`${dir} has no model.safetensors`);
  // Canonical names come from the same functions the builders use; they need shapes only.
  const stubs = new Map<string, NamedTensor>(
    [...safetensorsShapes(file)].map(([name, shape]) => [name, { shape, data: new Float32Array(0) }]),
  );
  const canonical =
    arch.family === 'encoder'
      ? canonicalWeightNames(stubs, arch.modelType)
      : arch.canonicalWeights(stubs as Map<string, NamedTensor>, config);
  const layers =
    arch.family === 'encoder' ? (config as { numHiddenLayers: number }).numHiddenLayers : arch.numLayers(config);
  if (freeze.layers > layers)
    throw new Error(`--num-frozen-layers ${freeze.layers} is more than the model's ${layers} layers`);
  const shapes = new Map([...canonical].map(([name, t]) => [name, t.shape]));
  const trains = (name: string) => !isFrozen(arch.layout, name, freeze);
  const names = [...shapes.keys()];
  const total = (list: string[]) => list.reduce((a, n) => a + shapes.get(n)!.reduce((x, y) => x * y, 1), 0);
  const trainable = names.filter(trains);
  const rawArchitectures = (
    JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { architectures?: unknown }
  ).architectures;
  return {
    modelType: arch.modelType,
    family: arch.family,
    architectures: Array.isArray(rawArchitectures) ? rawArchitectures.map(String) : [],
    layers,
    freeze,
    parameters: total(names),
    trainableParameters: total(trainable),
    modules: moduleRows(shapes, arch.layout, trains),
    trainable,
    frozen: names.filter((n) => !trains(n)),
  };
}

/** The tree as text: one module a line, indented by depth, with its parameters and what the freeze setting does. */
export function formatInspection(i: Inspection): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const setting = `--num-frozen-layers ${i.freeze.layers}${i.freeze.embeddings ? ' --freeze-embeddings' : ''}`;
  const lines = [
    `${i.modelType} (${i.architectures.join(', ') || 'no architectures in config.json'}), ${i.family}, ${i.layers} layers: ${n(i.parameters)} parameters`,
    '',
    `${'module'.padEnd(44)} ${'parameters'.padStart(12)}  ${setting}`,
  ];
  for (const m of i.modules) {
    const state =
      m.trainable === m.parameters ? 'trains' : m.trainable === 0 ? 'frozen' : `partly (${n(m.trainable)} train)`;
    const label = `${'  '.repeat(m.depth - 1)}${m.path.split('.').slice(-1)[0]}`;
    lines.push(`${label.padEnd(44)} ${n(m.parameters).padStart(12)}  ${state}`);
  }
  const share = i.parameters ? ((100 * i.trainableParameters) / i.parameters).toFixed(1) : '0.0';
  lines.push(
    '',
    `trainable: ${n(i.trainableParameters)} of ${n(i.parameters)} parameters (${share}%), ${i.trainable.length} of ${i.trainable.length + i.frozen.length} tensors`,
  );
  return `${lines.join('\n')}\n`;
}
