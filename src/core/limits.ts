// Request limits. Defaults follow the service contract; each can be set through the environment (wrangler vars or
// process.env) under the name in ENV_NAMES.

export interface Limits {
  /** Largest request body accepted, in bytes (413 above it). */
  maxBodyBytes: number;
  /** Most inputs (texts or pairs) in one request (422 above it). */
  maxInputs: number;
  /** Longest text, in characters (422 above it). */
  maxTextChars: number;
}

export const DEFAULT_LIMITS: Limits = { maxBodyBytes: 2 * 1024 * 1024, maxInputs: 256, maxTextChars: 100_000 };

const ENV_NAMES: Record<keyof Limits, string> = {
  maxBodyBytes: 'EDGECLASS_MAX_BODY_BYTES',
  maxInputs: 'EDGECLASS_MAX_INPUTS',
  maxTextChars: 'EDGECLASS_MAX_TEXT_CHARS',
};

export function limitsFromEnv(env: Record<string, unknown>): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(ENV_NAMES) as (keyof Limits)[]) {
    const raw = env[ENV_NAMES[key]];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${ENV_NAMES[key]} must be a positive integer, got '${raw}'`);
    limits[key] = value;
  }
  return limits;
}
