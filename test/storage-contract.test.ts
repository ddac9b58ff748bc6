// The storage contract (test/storage/contract.ts) against Node's implementation: SQLite in WASM with migrations/
// applied, a files folder, the in-process queue (src/storage/node/), through the provider `edgeclass serve` uses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { createNodeJobs } from '../src/runtime/node-jobs.ts';
import { aggregateContract, blobContract, sqlContract } from './storage/contract.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-storage-contract-'));
const jobs = createNodeJobs(path.join(root, 'data'), [path.join(root, 'models')], {
  EDGECLASS_MIN_TRAINING_EXAMPLES: '10',
});
const open = () => jobs.context(() => {});

afterAll(() => {
  jobs.close();
  fs.rmSync(root, { recursive: true, force: true });
});

sqlContract(open);
aggregateContract(open);
blobContract(open);
