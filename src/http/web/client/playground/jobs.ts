// The Fine-tunes tab's job list: the key's jobs, 20 a page, newest first; a row opens the job.
import { ApiError, api, showError } from '../api.ts';
import type { Job, JobList } from '../api-types.ts';
import { byId, el } from '../dom.ts';
import { authHeaders, saveKey } from './auth.ts';
import { when, statusBadge } from './format.ts';
import { openJob } from './job-view.ts';
import { loadModels } from './models.ts';

let jobsAfter: string | null = null;

function progressOf(job: Job): string {
  if (job.status === 'succeeded') return '100%';
  const p = job.progress;
  return p?.total_steps ? `${Math.round((100 * p.step) / p.total_steps)}%` : '';
}

function jobRow(job: Job): HTMLTableRowElement {
  const row = el('tr', { 'data-job-id': job.id }, [
    el('td', { class: 'mono', text: job.id }),
    el('td', {}, [statusBadge(job.status)]),
    el('td', { text: job.model }),
    el('td', { class: 'mono', text: job.fine_tuned_model || '' }),
    el('td', { text: progressOf(job) }),
    el('td', { class: 'time', text: when(job.created_at) }),
  ]);
  row.addEventListener('click', () => void openJob(job.id));
  return row;
}

function renderJobs(list: JobList, append: boolean): void {
  const body = byId<HTMLTableElement>('jobs-table').tBodies[0];
  if (!append) body.textContent = '';
  for (const job of list.data) body.appendChild(jobRow(job));
  jobsAfter = list.last_id;
  byId('jobs-more').hidden = !list.has_more;
  byId('jobs-count').textContent = `(${body.rows.length}${list.has_more ? '+' : ''})`;
  byId('jobs-panel').hidden = false;
}

async function loadJobs(append: boolean): Promise<void> {
  const query = `?limit=20${append && jobsAfter ? `&after=${encodeURIComponent(jobsAfter)}` : ''}`;
  const button = byId<HTMLButtonElement>('jobs-load');
  showError(byId('jobs-error'), null);
  button.disabled = true;
  saveKey();
  if (!append) void loadModels(); // the key's ft: models join the classify list
  try {
    renderJobs(await api<JobList>('GET', `/v1/fine_tuning/jobs${query}`, undefined, authHeaders()), append);
  } catch (err) {
    // 501 from a Node server (fine-tuning needs D1, R2 and a Queue), 404 from one built without the jobs routes.
    const edgeOnly = err instanceof ApiError && (err.status === 501 || err.status === 404);
    const hint = '\nFine-tuning is off on this server: `edgeclass serve` and the Worker (npm start) offer it.';
    showError(byId('jobs-error'), edgeOnly ? new Error(err.message + hint) : err);
  }
  button.disabled = false;
}

export function initJobs(): void {
  byId('jobs-key').addEventListener('change', () => {
    saveKey();
    void loadModels();
  });
  byId('jobs-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void loadJobs(false);
  });
  byId('jobs-more').addEventListener('click', () => void loadJobs(true));
}
