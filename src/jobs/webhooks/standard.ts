// The Standard Webhooks signature scheme (https://www.standardwebhooks.com): headers webhook-id,
// webhook-timestamp (unix seconds) and webhook-signature, a space-separated list of `v1,<base64 HMAC-SHA256>` over
// "<id>.<timestamp>.<body>", keyed by the base64-decoded part of a `whsec_` secret. Several secrets (rotation)
// give several signatures; a verifier accepts any one that matches. Used for webhooks out and for inbound
// triggers. Also GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`.
import { fromBase64, hex, hmacSha256, timingSafeEqual, toBase64, utf8 } from '../crypto.ts';

export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

const SECRET_PREFIX = 'whsec_';

/** The HMAC key of a `whsec_<base64>` secret; a secret without the prefix is taken as base64 too (as the spec's
 * libraries do). Null when it is not base64. */
export function secretKey(secret: string): Uint8Array | null {
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = fromBase64(body);
  return key && key.length > 0 ? key : null;
}

/** `v1,<base64>` for one secret. */
export async function signatureFor(
  secret: string,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): Promise<string> {
  const key = secretKey(secret);
  if (!key) throw new Error('a webhook secret must be whsec_ followed by base64');
  // Over the body's exact bytes: a body that is not valid UTF-8 must not be re-encoded before signing.
  const head = utf8(`${id}.${timestamp}.`);
  const tail = typeof body === 'string' ? utf8(body) : body;
  const message = new Uint8Array(head.length + tail.length);
  message.set(head);
  message.set(tail, head.length);
  return `v1,${toBase64(await hmacSha256(key, message))}`;
}

/** The three headers for a message, signed with every secret given (space-separated signatures). */
export async function signWebhook(
  secrets: string[],
  id: string,
  timestamp: number,
  body: string,
): Promise<Record<string, string>> {
  const signatures = await Promise.all(secrets.map((s) => signatureFor(s, id, timestamp, body)));
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signatures.join(' '),
  };
}

export type VerifyFailure = 'missing_headers' | 'bad_timestamp' | 'stale' | 'bad_signature';

export interface WebhookHeaderValues {
  id: string | null;
  timestamp: string | null;
  signature: string | null;
}

/**
 * What can be checked of Standard Webhooks headers without the body: all three present, the timestamp within
 * `toleranceSeconds` of `now`. Null when they pass, else why not.
 */
export function checkWebhookHeaders(
  headers: WebhookHeaderValues,
  toleranceSeconds: number,
  now = Math.floor(Date.now() / 1000),
): VerifyFailure | null {
  if (!headers.id || !headers.timestamp || !headers.signature) return 'missing_headers';
  if (!/^\d{1,12}$/.test(headers.timestamp)) return 'bad_timestamp';
  if (Math.abs(now - Number(headers.timestamp)) > toleranceSeconds) return 'stale';
  return null;
}

/**
 * Checks Standard Webhooks headers against a secret: the timestamp within `toleranceSeconds` of `now` and one of
 * the `v1,` signatures equal to ours. Null when valid, else why not.
 */
export async function verifyWebhook(
  secret: string,
  headers: WebhookHeaderValues,
  body: string | Uint8Array,
  toleranceSeconds: number,
  now = Math.floor(Date.now() / 1000),
): Promise<VerifyFailure | null> {
  const failure = checkWebhookHeaders(headers, toleranceSeconds, now);
  if (failure || !headers.id || !headers.signature) return failure ?? 'missing_headers';
  const timestamp = Number(headers.timestamp);
  const expected = await signatureFor(secret, headers.id, timestamp, body);
  const candidates = headers.signature.split(' ').filter((s) => s.startsWith('v1,'));
  let ok = false;
  for (const candidate of candidates) ok = timingSafeEqual(candidate, expected) || ok;
  return ok ? null : 'bad_signature';
}

/** GitHub's `sha256=<hex>` of the body, keyed by the secret's UTF-8 bytes (the secret as typed into GitHub). */
export async function githubSignature(secret: string, body: Uint8Array | string): Promise<string> {
  return `sha256=${hex(await hmacSha256(utf8(secret), body))}`;
}

export async function verifyGithubSignature(
  secret: string,
  header: string | null,
  body: Uint8Array | string,
): Promise<boolean> {
  if (!header) return false;
  return timingSafeEqual(header.trim().toLowerCase(), await githubSignature(secret, body));
}
