// The CLI's side of a running service (`npm start`, `edgeclass serve`, a deployed Worker): where it is (--url,
// EDGECLASS_URL, http://127.0.0.1:8787), the API key (--api-key, EDGECLASS_API_KEY), JSON calls that turn the
// error shape {"error": {"type", "message", "param"}} into an Error with the same words.

export const DEFAULT_URL = 'http://127.0.0.1:8787';

/** The options every service command takes. */
export const SERVICE_OPTIONS = {
  url: {
    type: 'string',
    valueName: 'url',
    env: 'EDGECLASS_URL',
    description: `the service (default: ${DEFAULT_URL})`,
  },
  'api-key': {
    type: 'string',
    valueName: 'key',
    env: 'EDGECLASS_API_KEY',
    description: 'an API key (POST /v1/api_keys with the admin token makes one)',
  },
  json: { type: 'boolean', description: "print the API's answers as they are" },
} as const;

export interface ServiceTarget {
  url: string;
  apiKey: string | null;
}

export function serviceTarget(
  values: { url?: string; 'api-key'?: string },
  env: NodeJS.ProcessEnv = process.env,
): ServiceTarget {
  const url = (values.url ?? env.EDGECLASS_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  return { url, apiKey: values['api-key'] ?? env.EDGECLASS_API_KEY ?? null };
}

export class ServiceError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** `method path` on the service; the parsed JSON answer, or a ServiceError saying what the service said. */
export async function callService<T>(
  target: ServiceTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const cause =
      (err as { cause?: { code?: string } }).cause?.code ?? (err instanceof Error ? err.message : String(err));
    throw new ServiceError(
      `cannot reach ${target.url} (${cause}): is the service running? (npm start, or edgeclass serve; --url to point elsewhere)`,
      0,
      null,
    );
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) {
    const error = (data as { error?: { type?: string; code?: string | null; message?: string } } | null)?.error;
    const requestId = res.headers.get('x-request-id');
    // The code names edgeclass's kind (conflict, not_found...); type is OpenAI's coarser category.
    const kind = error?.code ?? error?.type ?? null;
    const said = error ? `${kind}: ${error.message}` : text.slice(0, 200);
    throw new ServiceError(
      `${method} ${path}: ${res.status} ${said}${requestId ? ` (request id ${requestId})` : ''}`,
      res.status,
      kind,
    );
  }
  if (data === null)
    throw new ServiceError(`${method} ${path}: the answer is not JSON: ${text.slice(0, 200)}`, res.status, null);
  return data as T;
}

/** Unix seconds as `2026-11-26 12:00:00` (UTC). */
export function formatTime(seconds: number | null | undefined): string {
  return seconds ? new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) : '-';
}
