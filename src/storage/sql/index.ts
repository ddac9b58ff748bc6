// The aggregates over one SqlDatabase: D1 at the edge, SQLite on Node; the statements are the same.
import type { AggregateStores, SqlDatabase } from '../types.ts';
import { SqlCheckpointStore } from './checkpoints.ts';
import { SqlDeliveryStore } from './deliveries.ts';
import { SqlEndpointStore } from './endpoints.ts';
import { SqlFileStore } from './files.ts';
import { SqlJobStore } from './jobs.ts';
import { SqlKeyStore } from './keys.ts';
import { SqlLeaseStore } from './leases.ts';
import { SqlNonceStore } from './nonces.ts';
import { SqlTriggerStore } from './triggers.ts';

export function sqlStores(db: SqlDatabase): AggregateStores {
  return {
    keys: new SqlKeyStore(db),
    nonces: new SqlNonceStore(db),
    fileRows: new SqlFileStore(db),
    endpoints: new SqlEndpointStore(db),
    triggers: new SqlTriggerStore(db),
    deliveries: new SqlDeliveryStore(db),
    jobs: new SqlJobStore(db),
    leases: new SqlLeaseStore(db),
    checkpoints: new SqlCheckpointStore(db),
  };
}
