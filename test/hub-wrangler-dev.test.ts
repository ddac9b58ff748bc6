// The smoke over the real edge: `wrangler dev` with the Hub golden folders synced to its local R2 bucket, judged by
// the reference's own check_serving.mjs over HTTP, every folder at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubFolders, runHubChecker } from './support/hub-golden.ts';
import { HUB_GOLDEN_DIR } from './support/paths.ts';
import { startWranglerDev, type WranglerDev } from './support/servers.ts';

let edge: WranglerDev;

beforeAll(async () => {
  edge = await startWranglerDev(HUB_GOLDEN_DIR, { timeoutMs: 180_000 });
}, 240_000);
afterAll(() => edge?.stop());

describe(`Hub golden folders over wrangler dev (${HUB_GOLDEN_DIR})`, () => {
  it('check_serving.mjs passes every folder', () => {
    const folders = hubFolders();
    const report = runHubChecker(edge.url, folders);
    expect(report.failed, `${report.output}\n${edge.log().slice(-2000)}`).toBe(0);
    expect(report.passed).toBe(folders.length);
  }, 600_000);
});
