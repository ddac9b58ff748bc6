// The API key of the Fine-tunes tab: kept in the tab's session storage, sent with the calls that take one (the
// model list then holds the key's ft: models, and classify may use them).
import type { HeaderMap } from '../api.ts';
import { byId, fieldValue } from '../dom.ts';

const KEY_STORAGE = 'edgeclass.apiKey';

export function authHeaders(): HeaderMap {
  const key = fieldValue('jobs-key').trim();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export function restoreKey(): void {
  try {
    byId<HTMLInputElement>('jobs-key').value = sessionStorage.getItem(KEY_STORAGE) || '';
  } catch {
    // storage off
  }
}

export function saveKey(): void {
  try {
    sessionStorage.setItem(KEY_STORAGE, fieldValue('jobs-key').trim());
  } catch {
    // storage off
  }
}
