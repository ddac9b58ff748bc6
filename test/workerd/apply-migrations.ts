// Setup file of the workerd suite: the D1 schema (migrations/) applied to the local database before each test
// file; applyD1Migrations skips what is already applied.
import { applyD1Migrations, env } from 'cloudflare:test';

await applyD1Migrations(env.DB!, env.TEST_MIGRATIONS);
