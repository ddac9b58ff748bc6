// The folders of src/ depend one way (docs/ARCHITECTURE.md): Biome's noImportCycles refuses a cycle between files,
// and this test one between folders (src/store importing src/hub while src/hub imports src/store is no file cycle,
// but it ties the two folders together all the same). Imports are read with TypeScript's own pre-processor: static,
// type-only, re-exports and dynamic import() alike.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/paths.ts';

const SRC = path.join(REPO_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|mts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The folder of src/ a file is in ('runtime' for src/runtime/node.ts), or null outside src/. */
function folderOf(file: string): string | null {
  const rel = path.relative(SRC, file);
  return rel.startsWith('..') || !rel.includes(path.sep) ? null : rel.split(path.sep)[0];
}

/** folder -> the other folders its files import. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file)!;
    const edges = graph.get(from) ?? graph.set(from, new Set()).get(from)!;
    for (const { fileName } of ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = folderOf(path.resolve(path.dirname(file), fileName));
      if (to && to !== from) edges.add(to);
    }
  }
  return graph;
}

/** A cycle through the graph as folder names (first = last), or null. */
function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('the folders of src/', () => {
  const graph = folderGraph();

  it('are read with their imports (the routes use the core, the runtime wires the HTTP app)', () => {
    expect([...(graph.get('http') ?? [])]).toContain('core');
    expect([...(graph.get('runtime') ?? [])]).toContain('http');
    expect([...(graph.get('hub') ?? [])]).toContain('store');
  });

  it('import each other without a cycle', () => {
    expect(findCycle(graph)).toBeNull();
  });
});
