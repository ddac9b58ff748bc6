// `edgeclass jobs list | show <id> | events <id> [--follow] | cancel | pause | resume <id>`: the fine-tuning jobs of an API key
// on a running edge service (GET/POST /v1/fine_tuning/jobs...). --json prints the API's answers as they are;
// `events --follow` polls until the job ends, with a progress bar of its steps.
import { type CommandSpec, type OptionSpec, parseCommand, runSubcommand, UsageError } from '../args.ts';
import { ProgressBar } from '../progress.ts';
import { callService, formatTime, SERVICE_OPTIONS, serviceTarget, type ServiceTarget } from '../service-client.ts';
import { formatTable } from '../table.ts';

const LIST = {
  name: 'jobs list',
  summary: 'List the fine-tuning jobs of an API key, newest first.',
  options: {
    limit: { type: 'string', valueName: 'n', default: '20', description: 'jobs per page' },
    after: { type: 'string', valueName: 'job id', description: 'the page after this job' },
    ...SERVICE_OPTIONS,
  },
  examples: ['EDGECLASS_API_KEY=ek_... edgeclass jobs list'],
} as const satisfies CommandSpec<OptionSpec>;
const SHOW = {
  name: 'jobs show',
  summary: 'Show one fine-tuning job.',
  args: ['<job-id>'],
  options: { ...SERVICE_OPTIONS },
  examples: ['edgeclass jobs show ftjob-... --api-key ek_...'],
} as const satisfies CommandSpec<OptionSpec>;
const EVENTS = {
  name: 'jobs events',
  summary:
    "A job's events, oldest first; with --follow every event, then new ones until the job ends (exit 0 if it succeeded).",
  args: ['<job-id>'],
  options: {
    limit: { type: 'string', valueName: 'n', default: '100', description: 'events per page (at most 100)' },
    follow: { type: 'boolean', description: 'poll until the job ends, with a progress bar of its steps' },
    interval: { type: 'string', valueName: 'seconds', default: '2', description: 'poll interval with --follow' },
    ...SERVICE_OPTIONS,
  },
  examples: ['edgeclass jobs events ftjob-... --follow'],
} as const satisfies CommandSpec<OptionSpec>;
const CANCEL = {
  name: 'jobs cancel',
  summary: 'Cancel a job: it is cancelled at once (a running worker stops at its next heartbeat).',
  args: ['<job-id>'],
  options: { ...SERVICE_OPTIONS },
  examples: ['edgeclass jobs cancel ftjob-...'],
} as const satisfies CommandSpec<OptionSpec>;
const PAUSE = {
  name: 'jobs pause',
  summary: 'Pause a job: no worker takes it until it is resumed; its checkpoints are kept.',
  args: ['<job-id>'],
  options: { ...SERVICE_OPTIONS },
  examples: ['edgeclass jobs pause ftjob-...'],
} as const satisfies CommandSpec<OptionSpec>;
const RESUME = {
  name: 'jobs resume',
  summary: 'Resume a paused job: it is queued again and trained on from its newest checkpoint.',
  args: ['<job-id>'],
  options: { ...SERVICE_OPTIONS },
  examples: ['edgeclass jobs resume ftjob-...'],
} as const satisfies CommandSpec<OptionSpec>;

interface Job {
  id: string;
  status: string;
  model: string;
  fine_tuned_model: string | null;
  created_at: number;
  finished_at: number | null;
  training_file: string;
  validation_file: string | null;
  hyperparameters: Record<string, unknown>;
  trained_tokens: number | null;
  error: { code: string; message: string } | null;
  progress: { step: number; total_steps: number | null } | null;
  cancel_requested?: boolean;
}
interface Event {
  id: string;
  created_at: number;
  level: string;
  type: string;
  message: string;
  data: Record<string, unknown> | null;
}
interface List<T> {
  data: T[];
  has_more: boolean;
  last_id: string | null;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function run(args: string[]): Promise<number> {
  return runSubcommand(
    'jobs',
    'The fine-tuning jobs of an API key on a running service (npm start, a deployed Worker).',
    {
      list: { summary: LIST.summary, run: listJobs },
      show: { summary: SHOW.summary, run: showJob },
      events: { summary: EVENTS.summary, run: jobEvents },
      cancel: { summary: CANCEL.summary, run: (args) => jobAction(CANCEL, 'cancel', args) },
      pause: { summary: PAUSE.summary, run: (args) => jobAction(PAUSE, 'pause', args) },
      resume: { summary: RESUME.summary, run: (args) => jobAction(RESUME, 'resume', args) },
    },
    args,
  );
}

function progressOf(job: Job): string {
  if (!job.progress) return '-';
  const { step, total_steps: total } = job.progress;
  return total ? `${step}/${total} (${Math.round((100 * step) / total)}%)` : String(step);
}

function oneJobId(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError('give exactly one job id');
  return positionals[0];
}

const jobPath = (id: string) => `/v1/fine_tuning/jobs/${encodeURIComponent(id)}`;

async function listJobs(args: string[]): Promise<number> {
  const { values } = parseCommand(LIST, args);
  const query = new URLSearchParams({ limit: values.limit });
  if (values.after) query.set('after', values.after);
  const list = await callService<List<Job>>(serviceTarget(values), 'GET', `/v1/fine_tuning/jobs?${query}`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(list)}\n`);
    return 0;
  }
  if (!list.data.length) {
    process.stderr.write('no fine-tuning jobs for this API key\n');
    return 0;
  }
  process.stdout.write(
    formatTable(
      ['ID', 'STATUS', 'MODEL', 'FINE-TUNED MODEL', 'PROGRESS', 'CREATED'],
      list.data.map((j) => [
        j.id,
        j.status,
        j.model,
        j.fine_tuned_model ?? '-',
        progressOf(j),
        formatTime(j.created_at),
      ]),
    ),
  );
  if (list.has_more) process.stderr.write(`more: edgeclass jobs list --after ${list.last_id}\n`);
  return 0;
}

function describeJob(job: Job): string {
  const rows: [string, string][] = [
    ['id', job.id],
    ['status', job.status + (job.cancel_requested ? ' (cancel requested)' : '')],
    ['model', job.model],
    ['fine-tuned model', job.fine_tuned_model ?? '-'],
    ['progress', progressOf(job)],
    ['training file', job.training_file],
    ['validation file', job.validation_file ?? '-'],
    ['created', formatTime(job.created_at)],
    ['finished', formatTime(job.finished_at)],
    ['trained tokens', job.trained_tokens === null ? '-' : String(job.trained_tokens)],
    [
      'hyperparameters',
      Object.entries(job.hyperparameters)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
  ];
  if (job.error) rows.push(['error', `${job.error.code}: ${job.error.message}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

async function showJob(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(SHOW, args);
  const job = await callService<Job>(serviceTarget(values), 'GET', jobPath(oneJobId(positionals)));
  process.stdout.write(values.json ? `${JSON.stringify(job)}\n` : describeJob(job));
  return 0;
}

/** A job's events, oldest first, after `since` (an event id) when given. The API pages newest first. */
async function eventsSince(
  target: ServiceTarget,
  id: string,
  since: string | null,
  pageSize: number,
): Promise<Event[]> {
  const found: Event[] = [];
  let after: string | null = null;
  for (;;) {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (after) query.set('after', after);
    const page = await callService<List<Event>>(target, 'GET', `${jobPath(id)}/events?${query}`);
    const stop = since === null ? -1 : page.data.findIndex((e) => e.id === since);
    found.push(...(stop < 0 ? page.data : page.data.slice(0, stop)));
    if (stop >= 0 || !page.has_more || !page.last_id) break;
    after = page.last_id;
  }
  return found.reverse();
}

function formatEvent(e: Event): string {
  return `${formatTime(e.created_at)}  ${e.level.padEnd(5)}  ${e.type.padEnd(7)}  ${e.message}\n`;
}

async function jobEvents(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(EVENTS, args);
  const id = oneJobId(positionals);
  const target = serviceTarget(values);
  const pageSize = Math.min(100, Math.max(1, Number(values.limit) || 100));
  const print = (events: Event[]) => {
    for (const e of events) process.stdout.write(values.json ? `${JSON.stringify(e)}\n` : formatEvent(e));
  };
  if (!values.follow) {
    // One page, the newest `limit` events, printed oldest first (JSON: the API's page as it is).
    const page = await callService<List<Event>>(target, 'GET', `${jobPath(id)}/events?limit=${pageSize}`);
    if (values.json) process.stdout.write(`${JSON.stringify(page)}\n`);
    else print([...page.data].reverse());
    return 0;
  }
  // --follow: every event (JSON Lines with --json), then new ones until the job ends; the bar shows its steps.
  const bar = values.json ? null : new ProgressBar();
  const intervalMs = Math.max(0.2, Number(values.interval) || 2) * 1000;
  let last: string | null = null;
  for (;;) {
    const events = await eventsSince(target, id, last, pageSize);
    if (events.length) {
      if (bar && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      print(events);
      last = events.at(-1)!.id;
    }
    const job = await callService<Job>(target, 'GET', jobPath(id));
    if (job.progress?.total_steps)
      bar?.update(job.progress.step, job.progress.total_steps, `steps, ${job.status}`, true);
    if (TERMINAL.has(job.status)) {
      const rest = await eventsSince(target, id, last, pageSize);
      print(rest);
      bar?.done();
      process.stderr.write(`job ${id} ${job.status}${job.fine_tuned_model ? `: ${job.fine_tuned_model}` : ''}\n`);
      return job.status === 'succeeded' ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** POST /v1/fine_tuning/jobs/<id>/<action>: prints the job's status after it (the API's answer with --json). */
async function jobAction(spec: typeof CANCEL | typeof PAUSE | typeof RESUME, action: string, args: string[]) {
  const { values, positionals } = parseCommand(spec, args);
  const id = oneJobId(positionals);
  const job = await callService<Job>(serviceTarget(values), 'POST', `${jobPath(id)}/${action}`);
  process.stdout.write(values.json ? `${JSON.stringify(job)}\n` : `${id} ${job.status}\n`);
  return 0;
}
