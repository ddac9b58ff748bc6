// API keys. A key is shown once, when created; the database keeps its SHA-256 only, and a request's bearer token is hashed
// and looked up. Every key belongs to an owner (a project): what one owner's keys create, only its keys see.
// Keys are made through POST /v1/api_keys with the admin token (EDGECLASS_ADMIN_KEY).
import { RequestError } from '../core/errors.ts';
import { sha256Hex, timingSafeEqual } from './crypto.ts';
import { isId, newApiKey, newId } from './ids.ts';
import { seconds, type JobsContext } from './context.ts';
import type { ApiKeyRow } from '../storage/types.ts';

export interface Principal {
  keyId: string;
  owner: string;
}

export interface ApiKeyObject {
  id: string;
  object: 'api_key';
  name: string | null;
  owner: string;
  /** The key's first characters, to tell keys apart. */
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

function toObject(row: ApiKeyRow): ApiKeyObject {
  return {
    id: row.id,
    object: 'api_key',
    name: row.name,
    owner: row.owner,
    prefix: row.key_prefix,
    created_at: seconds(row.created_at)!,
    revoked_at: seconds(row.revoked_at),
  };
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : null;
}

/** The key's owner, or null when the token is unknown or revoked. */
export async function authenticate(ctx: JobsContext, token: string): Promise<Principal | null> {
  if (!token.startsWith('ec_') || token.length > 200) return null;
  const row = await ctx.keys.findActiveByHash(await sha256Hex(token));
  return row ? { keyId: row.id, owner: row.owner } : null;
}

/** True when the token is the admin key (compared as hashes, so in constant time whatever its length). */
export async function isAdminToken(ctx: JobsContext, token: string): Promise<boolean> {
  if (!ctx.config.adminKey) return false;
  return timingSafeEqual(await sha256Hex(token), await sha256Hex(ctx.config.adminKey));
}

/** A new key for `owner` (a new owner when absent): the object and, once, the key itself. */
export async function createApiKey(
  ctx: JobsContext,
  options: { name?: string | null; owner?: string | null },
): Promise<ApiKeyObject & { key: string }> {
  if (options.owner && !isId('owner', options.owner))
    throw new RequestError('invalid_request', `owner: '${options.owner}' is not an owner id (proj_...)`, 'owner');
  const key = newApiKey();
  const now = ctx.now();
  const row: ApiKeyRow = {
    id: newId('apiKey', now),
    owner: options.owner ?? newId('owner', now),
    name: options.name ?? null,
    key_hash: await sha256Hex(key),
    key_prefix: key.slice(0, 10),
    created_at: now,
    revoked_at: null,
  };
  await ctx.keys.insert(row);
  return { ...toObject(row), key };
}

export async function listApiKeys(ctx: JobsContext, owner: string | null): Promise<ApiKeyObject[]> {
  return (await ctx.keys.list(owner)).map(toObject);
}

export async function revokeApiKey(ctx: JobsContext, id: string): Promise<ApiKeyObject> {
  const row = await ctx.keys.revoke(id, ctx.now());
  if (!row) throw new RequestError('not_found', `no API key '${id}'`, 'key_id');
  return toObject(row);
}
