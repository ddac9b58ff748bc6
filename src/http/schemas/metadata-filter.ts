// The jobs list's metadata filter as OpenAI's SDK sends it: one `metadata[key]=value` query parameter per pair
// (qs deep-object style; `metadata[k]=` is the empty value), or the literal `metadata=null` for jobs without
// metadata. Zod's query object sees only plain keys, so the raw parameters are read here.
import { RequestError } from '../../core/errors.ts';
import type { MetadataFilter } from '../../jobs/jobs.ts';

const PAIR = /^metadata\[(.*)\]$/s;
const MAX_PAIRS = 16;
const MAX_KEY = 64;
const MAX_VALUE = 512;

export function metadataFilter(params: URLSearchParams): MetadataFilter {
  const pairs: Record<string, string> = {};
  let plain: string | null = null;
  for (const [name, value] of params) {
    if (name === 'metadata') plain = value;
    const key = PAIR.exec(name)?.[1];
    if (key === undefined) continue;
    if (!key || key.length > MAX_KEY)
      throw new RequestError('invalid_request', `metadata: keys are 1 to ${MAX_KEY} characters`, `metadata[${key}]`);
    if (value.length > MAX_VALUE)
      throw new RequestError(
        'invalid_request',
        `metadata[${key}]: at most ${MAX_VALUE} characters`,
        `metadata[${key}]`,
      );
    pairs[key] = value;
  }
  const count = Object.keys(pairs).length;
  if (count > MAX_PAIRS)
    throw new RequestError('invalid_request', `metadata: ${count} keys; at most ${MAX_PAIRS}`, 'metadata');
  if (plain !== null) {
    if (plain !== 'null' || count)
      throw new RequestError(
        'invalid_request',
        'metadata: filter with metadata[key]=value parameters, or metadata=null alone for jobs without metadata',
        'metadata',
      );
    return null;
  }
  return count ? pairs : undefined;
}
