// Every failure of a Hub pull is a HubError with a message written for the person running the command: what went
// wrong, with which model or file, and what to do about it. `retryable` tells the download loop whether trying
// again (with resume) can help.

export type HubErrorCode =
  | 'repo-not-found'
  | 'revision-not-found'
  | 'file-not-found'
  | 'unauthorized'
  | 'forbidden'
  | 'unreachable'
  | 'server-error'
  | 'invalid-response'
  | 'size-mismatch'
  | 'checksum-mismatch'
  | 'revision-moved'
  | 'too-large';

export class HubError extends Error {
  override readonly name = 'HubError';

  constructor(
    readonly code: HubErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** What the request was about, so that an HTTP status can be turned into a sentence. */
export interface HubRequestSubject {
  endpoint: string;
  modelId: string;
  revision: string;
  file?: string;
  hasToken: boolean;
}

/**
 * The Hub says why in `X-Error-Code` (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and
 * `X-Error-Message`. It answers 401 rather than 404 for a missing repository when no token is sent, so as not to
 * reveal private ones: hence "not found, or private" in that case.
 */
export function hubErrorFromResponse(response: Response, subject: HubRequestSubject): HubError {
  const code = response.headers.get('x-error-code') ?? '';
  const hubMessage = response.headers.get('x-error-message');
  const said = ` (the Hub answered ${response.status}${hubMessage ? `: ${hubMessage}` : ''})`;
  const model = `'${subject.modelId}'`;
  const tokenAdvice = subject.hasToken
    ? 'check that HF_TOKEN is valid and has access to it'
    : 'if it is private or gated, set HF_TOKEN to a token with access';

  if (code === 'GatedRepo') {
    return new HubError(
      'forbidden',
      `model ${model} is gated: accept its conditions on the Hub and set HF_TOKEN${said}`,
    );
  }
  if (code === 'RevisionNotFound') {
    return new HubError('revision-not-found', `revision '${subject.revision}' of model ${model} does not exist${said}`);
  }
  if (code === 'EntryNotFound' || (response.status === 404 && subject.file !== undefined && code !== 'RepoNotFound')) {
    return new HubError(
      'file-not-found',
      `file '${subject.file}' of model ${model} does not exist at revision '${subject.revision}'${said}`,
    );
  }
  if (code === 'RepoNotFound' || response.status === 404) {
    return new HubError('repo-not-found', `model ${model} was not found on ${subject.endpoint}; ${tokenAdvice}${said}`);
  }
  if (response.status === 401) {
    return new HubError('unauthorized', `the Hub refused access to model ${model}: ${tokenAdvice}${said}`);
  }
  if (response.status === 403) {
    return new HubError('forbidden', `the Hub forbids access to model ${model}: ${tokenAdvice}${said}`);
  }
  if (response.status === 429 || response.status >= 500) {
    return new HubError('server-error', `the Hub at ${subject.endpoint} failed${said}`, true);
  }
  return new HubError('invalid-response', `unexpected answer from the Hub for model ${model}${said}`);
}
