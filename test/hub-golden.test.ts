// Every Hub-style folder of EDGECLASS_HUB_GOLDEN_DIR served by `edgeclass serve` (Node, onnxruntime-node) gives the
// reference answers: the reference's own check_serving.mjs sends every request and judges every score.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubFolders, runHubChecker } from './support/hub-golden.ts';
import { HUB_GOLDEN_DIR } from './support/paths.ts';
import { startNodeServe, type NodeServe } from './support/servers.ts';

const folders = hubFolders();
let server: NodeServe;

beforeAll(async () => {
  server = await startNodeServe(HUB_GOLDEN_DIR);
}, 120_000);
afterAll(() => server?.stop());

describe(`Hub golden folders on Node (${HUB_GOLDEN_DIR})`, () => {
  it('finds folders', () => {
    expect(folders.length).toBeGreaterThan(0);
  });

  for (const folder of folders) {
    it(`${folder}: check_serving.mjs passes`, () => {
      const report = runHubChecker(server.url, [folder]);
      expect(report.failed, report.output).toBe(0);
      expect(report.passed).toBe(1);
    }, 300_000);
  }
});
