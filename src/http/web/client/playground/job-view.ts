// One job of the Fine-tunes tab: its facts, its loss and accuracy chart and its events; refresh, pause, resume
// and cancel.
import { api, showError } from '../api.ts';
import type { EventList, Job, JobEvent } from '../api-types.ts';
import { byId, el } from '../dom.ts';
import { authHeaders } from './auth.ts';
import { renderChart } from './chart.ts';
import { statusBadge, when } from './format.ts';

let currentJob: string | null = null;

const jobPath = (id: string) => `/v1/fine_tuning/jobs/${encodeURIComponent(id)}`;

/** Every event of a job (pages of 100, newest first from the API, at most 50 pages), oldest first. */
async function allEvents(id: string): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  let after: string | null = null;
  for (let left = 50; left > 0; left--) {
    const query = `?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const list: EventList = await api<EventList>('GET', `${jobPath(id)}/events${query}`, undefined, authHeaders());
    events.push(...list.data);
    if (!list.has_more) break;
    after = list.last_id;
  }
  return events.reverse();
}

function jobFacts(job: Job): [string, string][] {
  const hp = job.hyperparameters;
  const hyperparameters =
    `epochs ${hp.n_epochs}, batch ${hp.batch_size}, lr ${hp.learning_rate}, max_length ${hp.max_length}, ` +
    `frozen layers ${hp.num_frozen_layers}${hp.freeze_embeddings ? ' + embeddings' : ''}, ` +
    `pooling ${hp.pooling || 'model head'}`;
  const facts: [string, string][] = [
    ['base model', job.model],
    ['fine-tuned model', job.fine_tuned_model || '-'],
    ['training file', job.training_file],
    ['validation file', job.validation_file || '-'],
    ['created', when(job.created_at)],
    ['finished', when(job.finished_at) || '-'],
    ['hyperparameters', hyperparameters],
    ['trained tokens', job.trained_tokens == null ? '-' : String(job.trained_tokens)],
  ];
  if (job.error) facts.push(['error', `${job.error.code}: ${job.error.message}`]);
  return facts;
}

function renderJob(job: Job, events: JobEvent[]): void {
  const status = byId('job-status');
  status.textContent = '';
  status.appendChild(statusBadge(job.status));
  const active = ['validating_files', 'queued', 'running'].includes(job.status);
  byId('job-pause').hidden = !active;
  byId('job-resume').hidden = job.status !== 'paused';
  byId('job-cancel').hidden = !active && job.status !== 'paused';
  const list = byId('job-info');
  list.textContent = '';
  for (const [term, value] of jobFacts(job)) {
    list.appendChild(el('dt', { text: term }));
    list.appendChild(el('dd', { text: value }));
  }
  renderChart(events);
  const body = byId<HTMLTableElement>('job-events').tBodies[0];
  body.textContent = '';
  for (const e of events.slice().reverse()) {
    body.appendChild(
      el('tr', {}, [
        el('td', { class: 'time', text: when(e.created_at) }),
        el('td', { class: `level-${e.level}`, text: e.level }),
        el('td', { text: e.type }),
        el('td', { text: e.message }),
      ]),
    );
  }
}

export async function openJob(id: string): Promise<void> {
  currentJob = id;
  for (const row of Array.from(byId<HTMLTableElement>('jobs-table').tBodies[0].rows)) {
    row.classList.toggle('selected', row.getAttribute('data-job-id') === id);
  }
  showError(byId('job-error'), null);
  byId('job-panel').hidden = false;
  byId('job-title').textContent = id;
  try {
    const [job, events] = await Promise.all([api<Job>('GET', jobPath(id), undefined, authHeaders()), allEvents(id)]);
    if (currentJob === id) renderJob(job, events);
  } catch (err) {
    showError(byId('job-error'), err);
  }
}

export function initJobView(): void {
  byId('job-refresh').addEventListener('click', () => {
    if (currentJob) void openJob(currentJob);
  });
  for (const action of ['pause', 'resume', 'cancel']) {
    byId(`job-${action}`).addEventListener('click', () => void jobAction(action));
  }
}

/** POST /v1/fine_tuning/jobs/<id>/<action>, then the job as it is now. */
async function jobAction(action: string): Promise<void> {
  if (!currentJob) return;
  try {
    await api('POST', `${jobPath(currentJob)}/${action}`, undefined, authHeaders());
  } catch (err) {
    showError(byId('job-error'), err);
    return;
  }
  await openJob(currentJob);
}
