// Small renderings the job list and the job view share.
import { el } from '../dom.ts';

/** A Unix time in seconds as "YYYY-MM-DD HH:MM:SS" (UTC); empty for none. */
export function when(seconds: number | null | undefined): string {
  return seconds ? new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) : '';
}

export function statusBadge(status: string): HTMLElement {
  return el('span', { class: `status ${status}`, text: status });
}
