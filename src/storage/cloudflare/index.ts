// The fine-tuning storage on Cloudflare: D1 is the SqlDatabase as it is (the port is its subset) under the SQL
// aggregates (../sql/), R2 buckets are blob stores, the JOBS queue is the dispatch queue.
import type { JobsStorage } from '../types.ts';
import { sqlStores } from '../sql/index.ts';
import { R2BlobStore } from './r2-blobs.ts';

export interface CloudflareBindings<Message> {
  DB: D1Database;
  FILES: R2Bucket;
  MODELS: R2Bucket;
  JOBS: Queue<Message>;
}

export function cloudflareStorage<Message>(env: CloudflareBindings<Message>): JobsStorage<Message> {
  return {
    db: env.DB,
    ...sqlStores(env.DB),
    files: new R2BlobStore(env.FILES),
    models: new R2BlobStore(env.MODELS),
    queue: env.JOBS,
  };
}
