// The storage contract (test/storage/contract.ts) against Cloudflare's implementation inside workerd: local D1 with
// migrations/ applied, the FILES and MODELS R2 buckets, the JOBS queue (src/storage/cloudflare/).
import { env } from 'cloudflare:test';
import { jobsConfigFromEnv } from '../../src/jobs/config.ts';
import { jobsContextFor } from '../../src/runtime/cloudflare-worker.ts';
import { aggregateContract, blobContract, sqlContract } from '../storage/contract.ts';

const open = () => jobsContextFor(env, jobsConfigFromEnv(env as unknown as Record<string, unknown>), () => {})!;

sqlContract(open);
aggregateContract(open);
blobContract(open);
