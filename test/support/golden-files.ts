// Node-side helpers for tokenizer goldens: discover them, and judge a candidate with the reference's compare.mjs.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { MODELS_DIR, TEST_OUT_DIR, TOKENIZE_GOLDEN_DIR, TOKENIZE_HUB_GOLDEN_DIR } from './paths.ts';

const run = promisify(execFile);

export interface GoldenFile {
  tokenizer: string;
  golden: string;
  overlay: string | null;
  /** The folder holding <tokenizer>/tokenizer.json. */
  modelsDir: string;
}

/**
 * Every golden of both golden directories: EDGECLASS_TOKENIZE_GOLDEN_DIR (tokenizers in EDGECLASS_MODELS_DIR) and
 * EDGECLASS_TOKENIZE_HUB_GOLDEN_DIR (tokenizers in its models/ folder).
 */
export function findAllTokenizeGoldens(): GoldenFile[] {
  return [
    ...findTokenizeGoldens(TOKENIZE_GOLDEN_DIR, MODELS_DIR),
    ...findTokenizeGoldens(TOKENIZE_HUB_GOLDEN_DIR, path.join(TOKENIZE_HUB_GOLDEN_DIR, 'models')),
  ];
}

/** Every golden.<tokenizer>.json.gz in the golden directory, with its golden-fulltok overlay when present. */
export function findTokenizeGoldens(dir = TOKENIZE_GOLDEN_DIR, modelsDir = MODELS_DIR): GoldenFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => /^golden\.(.+)\.json(\.gz)?$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const overlay = path.join(dir, `golden-fulltok.${m[1]}.json${m[2] ?? ''}`);
      const found = fs.existsSync(overlay) ? overlay : null;
      return { tokenizer: m[1], golden: path.join(dir, m[0]), overlay: found, modelsDir };
    });
}

export interface Verdict {
  passed: number;
  failed: number;
  report: string;
  resultsFile: string;
}

/** Writes edgeclass's outputs and runs `compare.mjs golden results --overlay ...`, the reference's own judge. */
export async function judge(
  file: GoldenFile,
  cases: { id: string; output: unknown }[],
  label: string,
): Promise<Verdict> {
  fs.mkdirSync(path.join(TEST_OUT_DIR, 'tokenize'), { recursive: true });
  const resultsFile = path.join(TEST_OUT_DIR, 'tokenize', `${file.tokenizer}.${label}.results.json`);
  fs.writeFileSync(resultsFile, JSON.stringify({ cases }));
  const args = [path.join(path.dirname(file.golden), 'compare.mjs'), file.golden, resultsFile, '--max-diffs', '5'];
  if (file.overlay) args.push('--overlay', file.overlay);
  const { stdout, stderr } = await run(process.execPath, args, { maxBuffer: 64 << 20 }).catch((e) => e);
  const report = `${stdout}${stderr}`;
  const m = /(\d+) passed, (\d+) failed/.exec(report);
  return { passed: m ? Number(m[1]) : 0, failed: m ? Number(m[2]) : -1, report, resultsFile };
}
