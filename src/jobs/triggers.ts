// Inbound triggers: a job template (base model, hyperparameters, where the dataset is) and a secret. An outside
// system -- a labelling tool, a CI job, GitHub -- calls POST /v1/hooks/<trigger id> signed with that secret when
// the dataset changes; the edge fetches the dataset as it is now, validates it like an upload, keeps it as a file
// and starts a job. Signatures: Standard Webhooks (webhook-id, webhook-timestamp within the window,
// webhook-signature) or GitHub's X-Hub-Signature-256. Replays are refused: the timestamp window, and every call id
// (webhook-id, or for GitHub the digest of the body's signature) is remembered per trigger.
import { RequestError } from '../core/errors.ts';
import { sha256Hex } from './crypto.ts';
import { createDatasetFile, getFileRow, type FileRow } from './files.ts';
import { resolveHyperparameters, type HyperparametersInput } from './hyperparameters.ts';
import { isId, newId, newWebhookSecret } from './ids.ts';
import { createJob, type CreateJobResult } from './jobs.ts';
import { checkAgainstModel, checkBaseModel, checkFilePath } from './models.ts';
import { toPage, type Page, type PageRequest } from './pagination.ts';
import { seconds, type JobsContext } from './context.ts';
import { prepareEndpoint, type WebhookInput } from './webhooks/endpoints.ts';
import {
  checkWebhookHeaders,
  verifyGithubSignature,
  verifyWebhook,
  WEBHOOK_HEADERS,
  type VerifyFailure,
  type WebhookHeaderValues,
} from './webhooks/standard.ts';
import { refusedTarget } from './webhooks/resolve.ts';
import { checkTargetUrl } from './webhooks/targets.ts';
import type { PendingWrite, TriggerRow } from '../storage/types.ts';

/** Where a trigger's dataset is: an uploaded file, an object of the FILES bucket under owners/<owner>/, or a URL. */
export type DatasetLocation =
  | { file_id: string }
  | { r2_key: string; filename?: string }
  | { url: string; filename?: string };

export interface CreateTriggerInput {
  name?: string | null;
  model: string;
  hyperparameters?: HyperparametersInput;
  dataset: DatasetLocation;
  validation_dataset?: DatasetLocation | null;
  suffix?: string | null;
  metadata?: Record<string, string> | null;
  webhook?: WebhookInput | null;
}

export interface TriggerObject {
  id: string;
  object: 'fine_tuning.trigger';
  name: string | null;
  model: string;
  hyperparameters: HyperparametersInput;
  dataset: DatasetLocation;
  validation_dataset: DatasetLocation | null;
  suffix: string | null;
  metadata: Record<string, string> | null;
  webhook_endpoint_id: string | null;
  /** The path outside systems call: POST it, signed with the secret. */
  hook_path: string;
  created_at: number;
  disabled_at: number | null;
}

function triggerObject(row: TriggerRow): TriggerObject {
  return {
    id: row.id,
    object: 'fine_tuning.trigger',
    name: row.name,
    model: row.model,
    hyperparameters: JSON.parse(row.hyperparameters),
    dataset: JSON.parse(row.dataset),
    validation_dataset: row.validation_dataset === null ? null : JSON.parse(row.validation_dataset),
    suffix: row.suffix,
    metadata: row.metadata === null ? null : JSON.parse(row.metadata),
    webhook_endpoint_id: row.webhook_endpoint_id,
    hook_path: `/v1/hooks/${row.id}`,
    created_at: seconds(row.created_at)!,
    disabled_at: seconds(row.disabled_at),
  };
}

/** Checks a location when the trigger is made (the data itself is read at each call). */
async function checkLocation(ctx: JobsContext, owner: string, location: DatasetLocation, param: string): Promise<void> {
  if ('file_id' in location) {
    const file = await getFileRow(ctx, owner, location.file_id, `${param}.file_id`).catch((err) => {
      if (err instanceof RequestError && err.kind === 'not_found')
        throw new RequestError(
          'invalid_request',
          `${param}.file_id: no file '${location.file_id}'`,
          `${param}.file_id`,
        );
      throw err;
    });
    if (file.purpose !== 'fine-tune')
      throw new RequestError(
        'invalid_request',
        `${param}.file_id: ${file.id} is not a fine-tune dataset`,
        `${param}.file_id`,
      );
  } else if ('r2_key' in location) {
    checkFilePath(location.r2_key, `${param}.r2_key`);
  } else {
    const url = checkTargetUrl(location.url, { allowPrivate: ctx.config.allowPrivateTargets }, `${param}.url`);
    if (url.protocol !== 'https:' && !ctx.config.allowPrivateTargets)
      throw new RequestError('invalid_request', `${param}.url: the dataset URL must be https`, `${param}.url`);
  }
}

/** Validates the template as a job would be, and keeps it with a new secret (shown this once). */
export async function createTrigger(
  ctx: JobsContext,
  owner: string,
  input: CreateTriggerInput,
): Promise<{ trigger: TriggerObject; secret: string; webhookSecret: string | null }> {
  const config = await checkBaseModel(ctx, input.model);
  checkAgainstModel(resolveHyperparameters(input.hyperparameters), config);
  await checkLocation(ctx, owner, input.dataset, 'dataset');
  if (input.validation_dataset) await checkLocation(ctx, owner, input.validation_dataset, 'validation_dataset');
  const now = ctx.now();
  const statements: PendingWrite[] = [];
  let endpointId: string | null = null;
  let webhookSecret: string | null = null;
  if (input.webhook) {
    const endpoint = prepareEndpoint(ctx, owner, input.webhook, 'webhook');
    statements.push(endpoint.insert);
    endpointId = endpoint.row.id;
    if (endpoint.generated) webhookSecret = endpoint.secret;
  }
  const row: TriggerRow = {
    id: newId('trigger', now),
    owner,
    name: input.name ?? null,
    model: input.model,
    hyperparameters: JSON.stringify(input.hyperparameters ?? {}),
    dataset: JSON.stringify(input.dataset),
    validation_dataset: input.validation_dataset ? JSON.stringify(input.validation_dataset) : null,
    suffix: input.suffix ?? null,
    metadata: input.metadata ? JSON.stringify(input.metadata) : null,
    webhook_endpoint_id: endpointId,
    secret: newWebhookSecret(),
    created_at: now,
    disabled_at: null,
  };
  statements.push(ctx.triggers.insert(row));
  await ctx.db.batch(statements);
  return { trigger: triggerObject(row), secret: row.secret, webhookSecret };
}

async function triggerRow(ctx: JobsContext, owner: string, id: string): Promise<TriggerRow> {
  const row = isId('trigger', id) ? await ctx.triggers.find(id, owner) : null;
  if (!row) throw new RequestError('not_found', `no trigger '${id}'`, 'trigger_id');
  return row;
}

export async function getTrigger(ctx: JobsContext, owner: string, id: string): Promise<TriggerObject> {
  return triggerObject(await triggerRow(ctx, owner, id));
}

export async function listTriggers(ctx: JobsContext, owner: string, page: PageRequest): Promise<Page<TriggerObject>> {
  const rows = await ctx.triggers.page(owner, page);
  return toPage(rows.map(triggerObject), page.limit);
}

/** Disables a trigger: later calls get 404. */
export async function disableTrigger(ctx: JobsContext, owner: string, id: string): Promise<TriggerObject> {
  await triggerRow(ctx, owner, id);
  await ctx.triggers.disable(id, ctx.now());
  return getTrigger(ctx, owner, id);
}

// ---- calls ------------------------------------------------------------------------------------------------

export interface HookHeaders {
  get(name: string): string | null;
}

type CallScheme = 'standard-webhooks' | 'github';

const STANDARD_FAILURES = {
  missing_headers: 'webhook-id, webhook-timestamp and webhook-signature are all required',
  bad_timestamp: 'webhook-timestamp must be unix seconds',
  stale: 'webhook-timestamp is outside the window (a replay, or a wrong clock)',
  bad_signature: 'no webhook-signature matches the trigger secret',
} as const;

function standardHeaders(headers: HookHeaders): WebhookHeaderValues {
  return {
    id: headers.get(WEBHOOK_HEADERS.id),
    timestamp: headers.get(WEBHOOK_HEADERS.timestamp),
    signature: headers.get(WEBHOOK_HEADERS.signature),
  };
}

function signatureError(failure: VerifyFailure, tolerance: number): RequestError {
  const reason =
    failure === 'stale' ? `${STANDARD_FAILURES.stale}: the window is ${tolerance} s` : STANDARD_FAILURES[failure];
  return new RequestError('unauthenticated', `invalid signature: ${reason}`, WEBHOOK_HEADERS.signature);
}

/**
 * How the call is signed, checked as far as its headers allow (401 otherwise: unsigned, incomplete, stale). Runs
 * before the body is read, so an unsigned or stale call costs no read of what it sent.
 */
function callScheme(ctx: JobsContext, headers: HookHeaders): CallScheme {
  if (headers.get(WEBHOOK_HEADERS.signature) !== null) {
    const tolerance = ctx.config.triggerToleranceSeconds;
    const failure = checkWebhookHeaders(standardHeaders(headers), tolerance, Math.floor(ctx.now() / 1000));
    if (failure) throw signatureError(failure, tolerance);
    return 'standard-webhooks';
  }
  if (headers.get('x-hub-signature-256') !== null) return 'github';
  throw new RequestError(
    'unauthenticated',
    'unsigned call: sign it with the trigger secret (Standard Webhooks headers webhook-id, webhook-timestamp, webhook-signature; or X-Hub-Signature-256)',
    null,
  );
}

/** The call's id for replay checks, once its signature over the body is verified; 401 otherwise. */
async function verifyCall(
  ctx: JobsContext,
  row: TriggerRow,
  scheme: CallScheme,
  headers: HookHeaders,
  body: Uint8Array,
): Promise<string> {
  if (scheme === 'standard-webhooks') {
    const tolerance = ctx.config.triggerToleranceSeconds;
    const values = standardHeaders(headers);
    const failure = await verifyWebhook(row.secret, values, body, tolerance, Math.floor(ctx.now() / 1000));
    if (failure) throw signatureError(failure, tolerance);
    return `webhook-id:${values.id}`;
  }
  const github = headers.get('x-hub-signature-256');
  if (!(await verifyGithubSignature(row.secret, github, body))) {
    throw new RequestError(
      'unauthenticated',
      'invalid signature: X-Hub-Signature-256 does not match the trigger secret',
      'x-hub-signature-256',
    );
  }
  // GitHub signs the body only: no timestamp, and X-GitHub-Delivery is not signed (anyone replaying a captured
  // call can change it). What cannot come twice is the signed body itself: the digest of its (verified) signature
  // is the call's id, kept for the trigger's life (docs/fine-tuning.md, "Replays and SSRF").
  return `github-signature-sha256:${await sha256Hex((github ?? '').trim().toLowerCase())}`;
}

const DATASET_FETCH_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 3;

/** The last path segment of a URL or key, for the dataset's format. */
function baseName(path: string): string {
  return decodeURIComponent(path.split('/').filter(Boolean).pop() ?? '');
}

/** Reads a response body up to `max` bytes; 413 beyond. */
async function readCapped(res: Response, max: number, param: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max)
    throw new RequestError('too_large', `${param}: the dataset is ${declared} bytes; the limit is ${max}`, param);
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw new RequestError('too_large', `${param}: the dataset is over the limit of ${max} bytes`, param);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Refuses a URL whose host resolves to a private address (where names are resolved: ./webhooks/resolve.ts). */
async function checkResolved(ctx: JobsContext, url: URL, param: string): Promise<void> {
  let reason: string | null;
  try {
    reason = await refusedTarget(ctx, url);
  } catch (err) {
    throw new RequestError(
      'invalid_request',
      `${param}: could not resolve ${url.hostname}: ${err instanceof Error ? err.message : String(err)}`,
      param,
    );
  }
  if (reason)
    throw new RequestError('invalid_request', `${param}: the host ${url.hostname} is refused because ${reason}`, param);
}

/** The dataset as it is now, kept (validated) as a file of the trigger's owner. */
async function snapshotDataset(
  ctx: JobsContext,
  owner: string,
  location: DatasetLocation,
  param: string,
): Promise<FileRow> {
  if ('file_id' in location) return getFileRow(ctx, owner, location.file_id, `${param}.file_id`);
  if ('r2_key' in location) {
    const object = await ctx.files.get(`owners/${owner}/${location.r2_key}`);
    if (!object)
      throw new RequestError(
        'invalid_request',
        `${param}.r2_key: no object '${location.r2_key}' under owners/${owner}/ in the FILES bucket`,
        `${param}.r2_key`,
      );
    if (object.size > ctx.config.maxFileBytes)
      throw new RequestError(
        'too_large',
        `${param}: the dataset is ${object.size} bytes; the limit is ${ctx.config.maxFileBytes}`,
        param,
      );
    const bytes = new Uint8Array(await object.arrayBuffer());
    return (await createDatasetFile(ctx, owner, location.filename ?? baseName(location.r2_key), bytes, param)).row;
  }
  let url = checkTargetUrl(location.url, { allowPrivate: ctx.config.allowPrivateTargets }, `${param}.url`);
  let res: Response;
  for (let hop = 0; ; hop++) {
    await checkResolved(ctx, url, `${param}.url`);
    try {
      res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(DATASET_FETCH_TIMEOUT_MS) });
    } catch (err) {
      throw new RequestError(
        'invalid_request',
        `${param}.url: could not fetch the dataset: ${err instanceof Error ? err.message : String(err)}`,
        `${param}.url`,
      );
    }
    const location_ = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location_ && hop < MAX_REDIRECTS) {
      await res.body?.cancel();
      // Each hop is checked like the first: a redirect must not lead to a private address.
      url = checkTargetUrl(
        new URL(location_, url).toString(),
        { allowPrivate: ctx.config.allowPrivateTargets },
        `${param}.url`,
      );
      continue;
    }
    break;
  }
  if (!res.ok)
    throw new RequestError(
      'invalid_request',
      `${param}.url: fetching the dataset answered HTTP ${res.status}`,
      `${param}.url`,
    );
  const bytes = await readCapped(res, ctx.config.maxFileBytes, param);
  return (await createDatasetFile(ctx, owner, location.filename ?? baseName(url.pathname), bytes, param)).row;
}

export interface HookResult extends CreateJobResult {
  trigger_id: string;
  call_id: string;
}

/**
 * An outside system's call: the trigger looked up (404) and the signature headers checked (401) before
 * `readBody` is called; then verified over the body (401), not a replay (409), the dataset fetched and validated (4xx), then a
 * job. Nothing is queued unless everything passed; a call that failed after its id was recorded forgets the id
 * again, so a corrected retry is not taken for a replay.
 */
export async function callTrigger(
  ctx: JobsContext,
  triggerId: string,
  headers: HookHeaders,
  readBody: () => Promise<Uint8Array>,
): Promise<HookResult> {
  const row = isId('trigger', triggerId) ? await ctx.triggers.findLive(triggerId) : null;
  if (!row) throw new RequestError('not_found', `no trigger '${triggerId}'`, 'trigger_id');
  // The trigger and the signature headers first: an unknown trigger or an unsigned call is refused unread.
  const scheme = callScheme(ctx, headers);
  const callId = await verifyCall(ctx, row, scheme, headers, await readBody());
  if (!(await ctx.triggers.recordCall(row.id, callId, ctx.now())))
    throw new RequestError('conflict', `replayed call: ${callId} was already received by ${row.id}`, null);
  try {
    const training = await snapshotDataset(ctx, row.owner, JSON.parse(row.dataset) as DatasetLocation, 'dataset');
    const validation = row.validation_dataset
      ? await snapshotDataset(
          ctx,
          row.owner,
          JSON.parse(row.validation_dataset) as DatasetLocation,
          'validation_dataset',
        )
      : null;
    const result = await createJob(
      ctx,
      row.owner,
      {
        model: row.model,
        training_file: training.id,
        validation_file: validation?.id ?? null,
        hyperparameters: JSON.parse(row.hyperparameters) as HyperparametersInput,
        suffix: row.suffix,
        metadata: {
          ...(row.metadata ? (JSON.parse(row.metadata) as Record<string, string>) : {}),
          trigger_id: row.id,
          trigger_call_id: callId,
        },
      },
      { triggerId: row.id, webhookEndpointId: row.webhook_endpoint_id },
    );
    await ctx.triggers.linkCall(row.id, callId, result.job.id);
    return { ...result, trigger_id: row.id, call_id: callId };
  } catch (err) {
    await ctx.triggers.forgetCall(row.id, callId);
    throw err;
  }
}
