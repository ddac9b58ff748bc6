// Webhook endpoints: where a job's (or a trigger's jobs') fine_tuning.job.* events go, and the secrets that sign
// them. Rotation adds a secret and lets the previous ones sign for an overlap period, so a receiver can switch
// without missing a message. A 410 from the receiver disables the endpoint for good.
import { RequestError } from '../../core/errors.ts';
import { newId, newWebhookSecret } from '../ids.ts';
import { seconds, type JobsContext } from '../context.ts';
import { secretKey } from './standard.ts';
import { checkTargetUrl } from './targets.ts';
import type { EndpointRow, PendingWrite } from '../../storage/types.ts';

export interface EndpointSecret {
  secret: string;
  created_at: number;
  /** ms; null: no end. */
  expires_at: number | null;
}

export type { EndpointRow };

export interface WebhookInput {
  url: string;
  secret?: string | null;
}

/** What the API shows of an endpoint: never its secrets. */
export interface EndpointObject {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  created_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
}

export function endpointObject(row: EndpointRow): EndpointObject {
  return {
    id: row.id,
    object: 'webhook_endpoint',
    url: row.url,
    created_at: seconds(row.created_at)!,
    disabled_at: seconds(row.disabled_at),
    disabled_reason: row.disabled_reason,
  };
}

/** The secrets that sign now: unexpired, newest first. */
export function activeSecrets(row: Pick<EndpointRow, 'secrets'>, now: number): string[] {
  const secrets = JSON.parse(row.secrets) as EndpointSecret[];
  return secrets
    .filter((s) => s.expires_at === null || s.expires_at > now)
    .sort((a, b) => b.created_at - a.created_at)
    .map((s) => s.secret);
}

/** A caller's secret must be whsec_ + base64 of 16 to 128 bytes. */
function checkSecret(secret: string, param: string): void {
  const key = secret.startsWith('whsec_') ? secretKey(secret) : null;
  if (!key || key.length < 16 || key.length > 128) {
    throw new RequestError(
      'invalid_request',
      `${param}: a webhook secret is "whsec_" followed by the base64 of 16 to 128 bytes`,
      param,
    );
  }
}

/**
 * Checks a webhook target and makes the endpoint row (not yet inserted: it goes into the caller's batch).
 * `secret` is the caller's or a generated one; `generated` says which (a generated secret is shown once).
 */
export function prepareEndpoint(
  ctx: JobsContext,
  owner: string,
  input: WebhookInput,
  param: string,
): { row: EndpointRow; secret: string; generated: boolean; insert: PendingWrite } {
  checkTargetUrl(input.url, { allowPrivate: ctx.config.allowPrivateTargets }, `${param}.url`);
  if (input.secret) checkSecret(input.secret, `${param}.secret`);
  const now = ctx.now();
  const secret = input.secret ?? newWebhookSecret();
  const row: EndpointRow = {
    id: newId('webhookEndpoint', now),
    owner,
    url: input.url,
    secrets: JSON.stringify([{ secret, created_at: now, expires_at: null } satisfies EndpointSecret]),
    disabled_at: null,
    disabled_reason: null,
    created_at: now,
  };
  return { row, secret, generated: !input.secret, insert: ctx.endpoints.insert(row) };
}

export async function getEndpoint(ctx: JobsContext, owner: string, id: string): Promise<EndpointRow> {
  const row = await ctx.endpoints.find(id, owner);
  if (!row) throw new RequestError('not_found', `no webhook endpoint '${id}'`, 'endpoint_id');
  return row;
}

/**
 * Adds a secret (the caller's, or a generated one); the current ones keep signing for `overlapSeconds`
 * (default EDGECLASS_WEBHOOK_SECRET_OVERLAP_SECONDS), then stop. Returns the new secret.
 */
export async function rotateSecret(
  ctx: JobsContext,
  owner: string,
  id: string,
  options: { secret?: string | null; overlapSeconds?: number },
): Promise<{ endpoint: EndpointObject; secret: string }> {
  if (options.secret) checkSecret(options.secret, 'secret');
  const row = await getEndpoint(ctx, owner, id);
  const now = ctx.now();
  const overlapMs = (options.overlapSeconds ?? ctx.config.secretOverlapSeconds) * 1000;
  const secret = options.secret ?? newWebhookSecret();
  const kept = (JSON.parse(row.secrets) as EndpointSecret[])
    .filter((s) => s.expires_at === null || s.expires_at > now)
    .map((s) => ({
      ...s,
      expires_at: s.expires_at === null ? now + overlapMs : Math.min(s.expires_at, now + overlapMs),
    }))
    .filter((s) => s.expires_at > now);
  const secrets = JSON.stringify([...kept, { secret, created_at: now, expires_at: null }]);
  await ctx.endpoints.setSecrets(id, secrets);
  return { endpoint: endpointObject({ ...row, secrets }), secret };
}
