// A fine-tuning job as the API shows it (GET /v1/fine_tuning/jobs, /jobs/{id}, /jobs/{id}/events), for the
// playground's Fine-tunes view: a 40-step run of a tiny BERT on SST-2 with the events the edge and the GPU worker
// write (src/jobs/jobs.ts, src/jobs/leases.ts, src/gpu-worker/job-runner.ts): status messages, training metrics every 2
// steps, an evaluation and a checkpoint every 10. Deterministic; the browser test checks it against the API's
// response schemas before serving it.

export const FIXTURE_JOB_ID = 'ftjob-01jh3x4m5n6p7q8r9s0t1v2w3x';
const CREATED = 1_795_000_000;
const TOTAL_STEPS = 40;

const HYPERPARAMETERS = {
  n_epochs: 2,
  batch_size: 16,
  learning_rate: 0.002,
  max_length: 64,
  num_frozen_layers: 0,
  freeze_embeddings: false,
  pooling: 'mean' as const,
  warmup_ratio: 0.1,
  weight_decay: 0.01,
  seed: 42,
  gradient_accumulation_steps: 1,
  eval_steps: 10,
  early_stopping_patience: null,
};

function job(id: string, status: 'succeeded' | 'running' | 'queued', createdAt: number, step: number) {
  const done = status === 'succeeded';
  return {
    id,
    object: 'fine_tuning.job' as const,
    created_at: createdAt,
    finished_at: done ? createdAt + 95 : null,
    model: 'tiny-sst2',
    fine_tuned_model: done ? `ft:tiny-sst2:sentiment:${id}` : null,
    status,
    training_file: 'file-01jh3x4m5n6p7q8r9s0t1v2w30',
    validation_file: 'file-01jh3x4m5n6p7q8r9s0t1v2w31',
    hyperparameters: HYPERPARAMETERS,
    result_files: done ? ['file-01jh3x4m5n6p7q8r9s0t1v2w32'] : [],
    trained_tokens: done ? 38_912 : null,
    error: null,
    seed: 42,
    suffix: 'sentiment',
    metadata: { dataset: 'sst2-v3' },
    estimated_finish: done ? null : createdAt + 120,
    webhook: null,
    organization_id: 'org-edgeclass',
    method: { type: 'supervised' as const, supervised: { hyperparameters: HYPERPARAMETERS } },
    integrations: [],
    trigger_id: null,
    cancel_requested: false,
    attempts: status === 'queued' ? 0 : 1,
    max_attempts: 3,
    progress: status === 'queued' ? null : { step, total_steps: TOTAL_STEPS },
  };
}

export const FIXTURE_JOB = job(FIXTURE_JOB_ID, 'succeeded', CREATED, TOTAL_STEPS);

export const FIXTURE_JOB_LIST = {
  object: 'list' as const,
  data: [
    job('ftjob-01jh3x4m5n6p7q8r9s0t1v2w3z', 'queued', CREATED + 400, 0),
    job('ftjob-01jh3x4m5n6p7q8r9s0t1v2w3y', 'running', CREATED + 300, 17),
    FIXTURE_JOB,
  ],
  has_more: false,
  first_id: 'ftjob-01jh3x4m5n6p7q8r9s0t1v2w3z',
  last_id: FIXTURE_JOB_ID,
};

type Event = {
  id: string;
  object: 'fine_tuning.job.event';
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  data: Record<string, unknown> | null;
  type: 'message' | 'metrics';
};

function events(): Event[] {
  const out: Event[] = [];
  let t = CREATED;
  const add = (message: string, type: Event['type'] = 'message', data: Record<string, unknown> | null = null) =>
    out.push({
      id: `ftevent-${String(out.length).padStart(4, '0')}`,
      object: 'fine_tuning.job.event',
      created_at: t,
      level: 'info',
      message,
      data,
      type,
    });
  add(`Created fine-tuning job: ${FIXTURE_JOB_ID}`);
  add('Validated training file: file-01jh3x4m5n6p7q8r9s0t1v2w30 (640 examples, labels: negative, positive)');
  add('Files validated, moving job to queued state');
  t += 2;
  add('Fine-tuning job started on worker gpu-1 (cpu)', 'message', {
    attempt: 1,
    worker_id: 'gpu-1',
    execution_provider: 'cpu',
  });
  for (let step = 1; step <= TOTAL_STEPS; step++) {
    t += 2;
    const trainLoss = 0.3 + 0.4 * Math.exp(-step / 14) + 0.025 * Math.sin(step * 1.7);
    if (step === 1 || step % 2 === 0) {
      add(`Step ${step}/${TOTAL_STEPS}: training loss=${trainLoss.toFixed(4)}`, 'metrics', {
        step,
        total_steps: TOTAL_STEPS,
        epoch: step / 20,
        train_loss: trainLoss,
        learning_rate: 0.002 * Math.min(1, step / 4) * (1 - step / (TOTAL_STEPS + 1)),
        samples_per_second: 180 + (step % 5),
        eta_seconds: (TOTAL_STEPS - step) * 2,
        attempt: 1,
      });
    }
    if (step % 10 === 0) {
      const evalLoss = 0.36 + 0.33 * Math.exp(-step / 12);
      const accuracy = 0.5 + 0.31 * (1 - Math.exp(-step / 12));
      add(`Step ${step}: validation loss=${evalLoss.toFixed(4)}, accuracy=${accuracy.toFixed(4)}`, 'metrics', {
        step,
        epoch: step / 20,
        eval_loss: evalLoss,
        eval_accuracy: accuracy,
        eval_macro_f1: accuracy - 0.01,
        is_best: true,
        attempt: 1,
      });
      add(`Checkpoint saved at step ${step} (epoch ${step / 20})`, 'metrics', {
        step,
        epoch: step / 20,
        train_loss: trainLoss,
        eval_loss: evalLoss,
        eval_accuracy: accuracy,
      });
    }
  }
  t += 5;
  add('The job has successfully completed', 'message', {
    metrics: { steps: TOTAL_STEPS, eval_accuracy: 0.7952, train_loss: 0.33 },
  });
  return out.reverse(); // the API lists newest first
}

export const FIXTURE_EVENTS = events();

/** A page of events as GET /v1/fine_tuning/jobs/{id}/events?limit&after answers it. */
export function eventsPage(limit: number, after: string | null) {
  const start = after === null ? 0 : FIXTURE_EVENTS.findIndex((e) => e.id === after) + 1;
  const data = FIXTURE_EVENTS.slice(start, start + limit);
  return {
    object: 'list' as const,
    data,
    has_more: start + limit < FIXTURE_EVENTS.length,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
