// The worker API of src/jobs/protocol.ts: every request HMAC-signed with EDGECLASS_WORKER_SECRET (401 otherwise),
// every write carrying the live lease id (409 otherwise). The core is src/jobs/leases.ts.
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import { RequestError } from '../../core/errors.ts';
import { getFileRowById, readFileBody } from '../../jobs/files.ts';
import {
  addEvents,
  claimJob,
  completeJob,
  getCheckpointFile,
  heartbeat,
  putCheckpointFile,
  putResultFile,
  registerCheckpoint,
  releaseJob,
} from '../../jobs/leases.ts';
import { FILE_NAME_HEADER, SIGNATURE_HEADERS } from '../../jobs/protocol.ts';
import type { IncomingBytes } from '../../jobs/uploads.ts';
import { isValidModelFilePath, isValidModelId } from '../../store/model-store.ts';
import type { App } from '../app.ts';
import { requireWorkerSignature } from '../auth.ts';
import { ErrorSchema } from '../schemas/common.ts';
import {
  CheckpointRequestSchema,
  ClaimRequestSchema,
  ClaimResponseSchema,
  CompleteRequestSchema,
  CompleteResponseSchema,
  EventsRequestSchema,
  HeartbeatRequestSchema,
  HeartbeatResponseSchema,
  ReleaseRequestSchema,
} from '../schemas/worker.ts';

const TAGS = ['Worker (internal)'];
const security = [{ workerSignature: [] }];
const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const bytes = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
});
const error = (description: string) => json(ErrorSchema, description);
const errors = {
  401: error(
    'Unsigned, forged, replayed (a nonce used before) or stale (x-edgeclass-timestamp more than 5 minutes off).',
  ),
  404: error('No such job or file.'),
  409: error('The lease id is not the live lease: stop working on the job.'),
  400: error('Invalid input.'),
  503: error('EDGECLASS_WORKER_SECRET is not set.'),
};
const JobParam = z.object({ job_id: z.string().max(100) });
const noContent = { 204: { description: 'Done.' } };

/**
 * A route whose last parameter is a path with slashes (`{file{.+}}` for Hono): documented as `{file}`, by hand,
 * without the keys that are Hono's and not OpenAPI's (as app.openapi() leaves them out), then served hidden.
 */
function wildcard<R extends RouteConfig>(app: App, route: R): R {
  const { middleware: _middleware, hide: _hide, ...operation } = route;
  app.openAPIRegistry.registerPath({ ...operation, path: route.path.replace(/\{(\w+)\{\.\+\}\}/g, '{$1}') });
  return { ...route, hide: true };
}

const claimRoute = createRoute({
  method: 'post',
  path: '/internal/worker/claim',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'Take a job: a queued one, or a running one whose lease expired (resumed from its newest checkpoint)',
  request: { body: jsonBody(ClaimRequestSchema) },
  responses: {
    200: json(ClaimResponseSchema, 'A job and its lease.'),
    204: { description: 'Nothing is waiting.' },
    ...errors,
  },
});

const heartbeatRoute = createRoute({
  method: 'post',
  path: '/internal/worker/jobs/{job_id}/heartbeat',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'Extend the lease; learn whether the user cancelled',
  request: { params: JobParam, body: jsonBody(HeartbeatRequestSchema) },
  responses: { 200: json(HeartbeatResponseSchema, 'The new expiry.'), ...errors },
});

const eventsRoute = createRoute({
  method: 'post',
  path: '/internal/worker/jobs/{job_id}/events',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'Post events (messages, metrics, evaluations) the user sees',
  request: { params: JobParam, body: jsonBody(EventsRequestSchema) },
  responses: { ...noContent, ...errors },
});

const CheckpointFileParams = z.object({
  job_id: z.string().max(100),
  step: z.coerce.number().int().min(0),
  file: z.string().max(500),
});

const putCheckpointFileRoute = createRoute({
  method: 'put',
  path: '/internal/worker/jobs/{job_id}/checkpoints/{step}/files/{file{.+}}',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'Upload a checkpoint file (raw bytes, header x-edgeclass-lease)',
  request: { params: CheckpointFileParams },
  responses: { ...noContent, ...errors },
});

const getCheckpointFileRoute = createRoute({
  method: 'get',
  path: '/internal/worker/jobs/{job_id}/checkpoints/{step}/files/{file{.+}}',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'Download a checkpoint file (to resume)',
  request: { params: CheckpointFileParams },
  responses: { 200: bytes('The bytes.'), ...errors },
});

const checkpointRoute = createRoute({
  method: 'post',
  path: '/internal/worker/jobs/{job_id}/checkpoints',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'Register a checkpoint whose files are uploaded (the next attempt resumes from the newest)',
  request: { params: JobParam, body: jsonBody(CheckpointRequestSchema) },
  responses: { ...noContent, ...errors },
});

const fileRoute = createRoute({
  method: 'get',
  path: '/internal/worker/files/{file_id}',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: "A dataset file's bytes",
  request: { params: z.object({ file_id: z.string().max(100) }) },
  responses: { 200: bytes('The bytes.'), ...errors },
});

const modelFileRoute = createRoute({
  method: 'get',
  path: '/internal/worker/models/{model_file{.+}}',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'A file of a model folder in R2: /internal/worker/models/<model id>/files/<file>',
  request: { params: z.object({ model_file: z.string().max(1000) }) },
  responses: { 200: bytes('The bytes.'), ...errors },
});

const putResultFileRoute = createRoute({
  method: 'put',
  path: '/internal/worker/jobs/{job_id}/model/files/{file{.+}}',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'Upload a file of the fine-tuned model folder (raw bytes, header x-edgeclass-lease)',
  request: { params: z.object({ job_id: z.string().max(100), file: z.string().max(500) }) },
  responses: { ...noContent, ...errors },
});

const completeRoute = createRoute({
  method: 'post',
  path: '/internal/worker/jobs/{job_id}/complete',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'End the job: succeeded (the model folder is uploaded), failed or cancelled',
  request: { params: JobParam, body: jsonBody(CompleteRequestSchema) },
  responses: { 200: json(CompleteResponseSchema, 'The final status and the fine-tuned model id.'), ...errors },
});

const releaseRoute = createRoute({
  method: 'post',
  path: '/internal/worker/jobs/{job_id}/release',
  tags: TAGS,
  security,
  middleware: [requireWorkerSignature] as const,
  summary: 'Give a running job back (the worker is shutting down): queued again at once, without using up an attempt',
  request: { params: JobParam, body: jsonBody(ReleaseRequestSchema) },
  responses: { ...noContent, ...errors },
});

function objectResponse(object: R2ObjectBody, headers: Record<string, string> = {}): Response {
  return new Response(object.body, {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(object.size), ...headers },
  });
}

/**
 * An upload's body, unread: the core streams it to R2 once the lease is checked. Its length must be declared (the
 * app's body limit has already refused one over EDGECLASS_MAX_ARTIFACT_BYTES by its content-length); its digest was
 * authenticated with the signature (requireWorkerSignature).
 */
function incomingBytes(request: Request): IncomingBytes {
  const length = Number(request.headers.get('content-length') ?? Number.NaN);
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RequestError('invalid_request', 'an upload needs a content-length header', 'content-length');
  return {
    stream: request.body ?? new Response(new Uint8Array(0)).body!,
    length,
    sha256: request.headers.get(SIGNATURE_HEADERS.contentSha256) ?? '',
  };
}

const FORMAT_TYPES: Record<string, string> = {
  jsonl: 'application/jsonl',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
};

export function registerWorkerRoutes(app: App): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'workerSignature', {
    type: 'apiKey',
    in: 'header',
    name: SIGNATURE_HEADERS.signature,
    description:
      'v2=<hex HMAC-SHA256(EDGECLASS_WORKER_SECRET, "<timestamp>.<nonce>.<METHOD>.<path?query>.<hex sha256(body)>")> with x-edgeclass-timestamp, x-edgeclass-nonce (new for each request, refused when reused) and x-edgeclass-content-sha256',
  });

  app.openapi(claimRoute, async (c) => {
    const claim = await claimJob(c.get('auth').jobs, c.req.valid('json'));
    return claim ? c.json(claim, 200) : c.body(null, 204);
  });

  app.openapi(heartbeatRoute, async (c) => {
    return c.json(await heartbeat(c.get('auth').jobs, c.req.valid('param').job_id, c.req.valid('json')), 200);
  });

  app.openapi(eventsRoute, async (c) => {
    await addEvents(c.get('auth').jobs, c.req.valid('param').job_id, c.req.valid('json'));
    return c.body(null, 204);
  });

  app.openapi(wildcard(app, putCheckpointFileRoute), async (c) => {
    const { job_id, step, file } = c.req.valid('param');
    const lease = c.req.header(SIGNATURE_HEADERS.lease) ?? null;
    await putCheckpointFile(c.get('auth').jobs, job_id, step, file, lease, incomingBytes(c.req.raw));
    return c.body(null, 204);
  });

  app.openapi(wildcard(app, getCheckpointFileRoute), async (c) => {
    const { job_id, step, file } = c.req.valid('param');
    return objectResponse(await getCheckpointFile(c.get('auth').jobs, job_id, step, file));
  });

  app.openapi(checkpointRoute, async (c) => {
    await registerCheckpoint(c.get('auth').jobs, c.req.valid('param').job_id, c.req.valid('json'));
    return c.body(null, 204);
  });

  app.openapi(fileRoute, async (c) => {
    const jobs = c.get('auth').jobs;
    const row = await getFileRowById(jobs, c.req.valid('param').file_id);
    if (!row) throw new RequestError('not_found', `no file '${c.req.valid('param').file_id}'`, 'file_id');
    // The uploaded name tells the worker the format (protocol.ts FILE_NAME_HEADER).
    return objectResponse(await readFileBody(jobs, row), {
      [FILE_NAME_HEADER]: row.filename,
      'content-disposition': `attachment; filename="${row.filename.replace(/["\\]/g, '_')}"`,
      ...(row.format && FORMAT_TYPES[row.format] ? { 'content-type': FORMAT_TYPES[row.format] } : {}),
    });
  });

  app.openapi(wildcard(app, modelFileRoute), async (c) => {
    const jobs = c.get('auth').jobs;
    const rest = c.req.valid('param').model_file;
    // <model id>/files/<file>: a model id has at most one '/', so try each '/files/' split that gives valid parts.
    for (let at = rest.indexOf('/files/'); at >= 0; at = rest.indexOf('/files/', at + 1)) {
      const modelId = rest.slice(0, at);
      const file = rest.slice(at + '/files/'.length);
      if (!isValidModelId(modelId) || !isValidModelFilePath(file)) continue;
      const object = await jobs.models.get(`${modelId}/${file}`);
      if (object) return objectResponse(object);
    }
    throw new RequestError('not_found', `no model file at ${rest} (expected <model id>/files/<file>)`, 'model_file');
  });

  app.openapi(wildcard(app, putResultFileRoute), async (c) => {
    const { job_id, file } = c.req.valid('param');
    const lease = c.req.header(SIGNATURE_HEADERS.lease) ?? null;
    await putResultFile(c.get('auth').jobs, job_id, file, lease, incomingBytes(c.req.raw));
    return c.body(null, 204);
  });

  app.openapi(releaseRoute, async (c) => {
    await releaseJob(
      c.get('auth').jobs,
      c.req.valid('param').job_id,
      c.req.valid('json'),
      c.req.header(SIGNATURE_HEADERS.worker) ?? null,
    );
    return c.body(null, 204);
  });

  app.openapi(completeRoute, async (c) => {
    return c.json(await completeJob(c.get('auth').jobs, c.req.valid('param').job_id, c.req.valid('json')), 200);
  });
}
