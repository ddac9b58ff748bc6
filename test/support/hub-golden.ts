// The Hub-style golden folders (EDGECLASS_HUB_GOLDEN_DIR), on the Node side: which there are, and the reference's
// own checker (check_serving.mjs) run against a server over HTTP.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HUB_GOLDEN_DIR } from './paths.ts';

/** Folders of `dir` holding a reference.json, sorted. */
export function hubFolders(dir = HUB_GOLDEN_DIR): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'reference.json')))
    .map((d) => d.name)
    .sort();
}

export interface CheckerReport {
  passed: number;
  failed: number;
  /** The checker's printed lines: which requests failed and why. */
  output: string;
}

/** check_serving.mjs (the reference's checker) against `url`, for the folders named. */
export function runHubChecker(url: string, folders: string[], dir = HUB_GOLDEN_DIR): CheckerReport {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-hub-check-')), 'report.json');
  const run = spawnSync(
    process.execPath,
    [path.join(dir, 'check_serving.mjs'), dir, url, '--only', folders.join(','), '--json', json],
    { encoding: 'utf8', timeout: 600_000 },
  );
  const output = `${run.stdout}${run.stderr}`;
  if (!fs.existsSync(json)) throw new Error(`check_serving.mjs wrote no report (status ${run.status}): ${output}`);
  const report = JSON.parse(fs.readFileSync(json, 'utf8')) as { passed: number; failed: number };
  fs.rmSync(path.dirname(json), { recursive: true, force: true });
  return { passed: report.passed, failed: report.failed, output };
}
