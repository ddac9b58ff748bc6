// The playground's calls to the public API, whose errors are OpenAI's {"error": {"message", "type", "param", "code"}}:
// the page shows edgeclass's kind (`code`), which says more than OpenAI's category (`type`).

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

export type HeaderMap = Record<string, string>;

/** The JSON answer of `method path`; an ApiError with the error's type and message when the status is not 2xx. */
export async function api<T = any>(method: string, path: string, body?: unknown, headers: HeaderMap = {}): Promise<T> {
  const init: RequestInit & { headers: HeaderMap } = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const message = data?.error
      ? `${data.error.code ?? data.error.type}: ${data.error.message}`
      : `HTTP ${res.status} ${text.slice(0, 200)}`;
    throw new ApiError(message, res.status, res.headers.get('x-request-id'));
  }
  return data as T;
}

/** Shows an error (with its request id, to find it in the server's log) in an alert box; null clears it. */
export function showError(box: HTMLElement, err: unknown): void {
  if (!err) {
    box.textContent = '';
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  const requestId = err instanceof ApiError && err.requestId ? `  (request id ${err.requestId})` : '';
  box.textContent = message + requestId;
}

/** A form's submit button off and its status text set while a request runs. */
export function busy(button: HTMLButtonElement, status: HTMLElement, on: boolean, text = ''): void {
  button.disabled = on;
  status.textContent = on ? text : '';
}
