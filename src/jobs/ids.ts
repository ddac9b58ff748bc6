// Identifiers: a type prefix (OpenAI's where OpenAI has one) and 26 characters of Crockford base32, the first 10
// the creation time in milliseconds (so ids sort roughly by age), the last 16 random (80 bits). Secrets are
// separate: 32 random bytes.
import { randomBytes, toBase64, toBase64Url } from './crypto.ts';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export const ID_PREFIXES = {
  job: 'ftjob-',
  file: 'file-',
  event: 'ftevent-',
  checkpoint: 'ftckpt-',
  apiKey: 'key_',
  owner: 'proj_',
  lease: 'lease_',
  trigger: 'trig_',
  webhookEndpoint: 'we_',
  webhookEvent: 'evt_',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

function timePart(ms: number): string {
  let out = '';
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function randomPart(chars: number): string {
  const bytes = randomBytes(chars);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

export function newId(kind: IdKind, now = Date.now()): string {
  return `${ID_PREFIXES[kind]}${timePart(now)}${randomPart(16)}`;
}

/** True for an id of this kind as newId makes them (checked before any lookup). */
export function isId(kind: IdKind, id: string): boolean {
  const prefix = ID_PREFIXES[kind];
  return id.startsWith(prefix) && /^[0-9a-z]{26}$/.test(id.slice(prefix.length));
}

/** An API key: `ec_` and 43 base64url characters (256 bits). Only its SHA-256 is stored. */
export function newApiKey(): string {
  return `ec_${toBase64Url(randomBytes(32))}`;
}

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes (the HMAC key). */
export function newWebhookSecret(): string {
  return `whsec_${toBase64(randomBytes(32))}`;
}
