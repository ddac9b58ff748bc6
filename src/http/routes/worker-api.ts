// The worker API of src/jobs/protocol.ts, each route declared from its WORKER_CALLS entry (method, path, schemas): every request HMAC-signed with EDGECLASS_WORKER_SECRET (401 otherwise),
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
import { readModelFile } from '../../jobs/models.ts';
import { FILE_NAME_HEADER, SIGNATURE_HEADERS, WORKER_CALLS, type WorkerCall } from '../../jobs/protocol.ts';
import type { IncomingBytes } from '../../jobs/uploads.ts';
import { isValidModelFilePath, isValidModelId } from '../../store/model-store.ts';
import type { App } from '../deps.ts';
import { requireWorkerSignature } from '../auth.ts';
import { ErrorSchema } from '../schemas/common.ts';
import type { BlobBody } from '../../storage/types.ts';

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
const noContent = { 204: { description: 'Done.' } };
const W = WORKER_CALLS;

/** Hono's path of a call: a parameter that may hold `/` matches the rest of the path (`{file{.+}}`). */
function servedPath(call: WorkerCall): string {
  return call.path.replace(/\{(\w+)\}/g, (param, name: string) =>
    call.slashed?.includes(name) ? `{${name}{.+}}` : param,
  );
}

/**
 * A route with a parameter that holds `/`: documented with the call's OpenAPI path, by hand, without
 * the keys that are Hono's and not OpenAPI's (as app.openapi() leaves them out), then served hidden.
 */
function wildcard<R extends RouteConfig>(app: App, route: R, call: WorkerCall): R {
  const { middleware: _middleware, hide: _hide, ...operation } = route;
  app.openAPIRegistry.registerPath({
    ...operation,
    path: call.path,
    request: { ...route.request, params: call.params },
  });
  return { ...route, hide: true };
}

const worker = { tags: TAGS, security };

const claimRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.claim.method,
  path: W.claim.path,
  summary: 'Take a job: a queued one, or a running one whose lease expired (resumed from its newest checkpoint)',
  request: { body: jsonBody(W.claim.body) },
  responses: {
    200: json(W.claim.response, 'A job and its lease.'),
    204: { description: 'Nothing is waiting.' },
    ...errors,
  },
});

const heartbeatRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.heartbeat.method,
  path: W.heartbeat.path,
  summary: 'Extend the lease; learn whether the user cancelled',
  request: { params: W.heartbeat.params, body: jsonBody(W.heartbeat.body) },
  responses: { 200: json(W.heartbeat.response, 'The new expiry.'), ...errors },
});

const eventsRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.events.method,
  path: W.events.path,
  summary: 'Post events (messages, metrics, evaluations) the user sees',
  request: { params: W.events.params, body: jsonBody(W.events.body) },
  responses: { ...noContent, ...errors },
});

const putCheckpointFileRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.putCheckpointFile.method,
  path: servedPath(W.putCheckpointFile),
  summary: 'Upload a checkpoint file (raw bytes, header x-edgeclass-lease)',
  request: { params: W.putCheckpointFile.params },
  responses: { ...noContent, ...errors },
});

const getCheckpointFileRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.getCheckpointFile.method,
  path: servedPath(W.getCheckpointFile),
  summary: 'Download a checkpoint file (to resume)',
  request: { params: W.getCheckpointFile.params },
  responses: { 200: bytes('The bytes.'), ...errors },
});

const checkpointRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.checkpoint.method,
  path: W.checkpoint.path,
  summary: 'Register a checkpoint whose files are uploaded (the next attempt resumes from the newest)',
  request: { params: W.checkpoint.params, body: jsonBody(W.checkpoint.body) },
  responses: { ...noContent, ...errors },
});

const fileRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.file.method,
  path: W.file.path,
  summary: "A dataset file's bytes",
  request: { params: W.file.params },
  responses: { 200: bytes('The bytes.'), ...errors },
});

// A model id may hold one '/', and so may the file: the handler tries each '/files/' split, not only Hono's.
const modelFileRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.modelFile.method,
  path: servedPath(W.modelFile),
  summary: 'A file of a model folder in R2 (a base model)',
  request: { params: W.modelFile.params },
  responses: { 200: bytes('The bytes.'), ...errors },
});

const putResultFileRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.putResultFile.method,
  path: servedPath(W.putResultFile),
  summary: 'Upload a file of the fine-tuned model folder (raw bytes, header x-edgeclass-lease)',
  request: { params: W.putResultFile.params },
  responses: { ...noContent, ...errors },
});

const completeRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.complete.method,
  path: W.complete.path,
  summary: 'End the job: succeeded (the model folder is uploaded), failed or cancelled',
  request: { params: W.complete.params, body: jsonBody(W.complete.body) },
  responses: { 200: json(W.complete.response, 'The final status and the fine-tuned model id.'), ...errors },
});

const releaseRoute = createRoute({
  ...worker,
  middleware: [requireWorkerSignature] as const,
  method: W.release.method,
  path: W.release.path,
  summary: 'Give a running job back (the worker is shutting down): queued again at once, without using up an attempt',
  request: { params: W.release.params, body: jsonBody(W.release.body) },
  responses: { ...noContent, ...errors },
});

function objectResponse(object: BlobBody, headers: Record<string, string> = {}): Response {
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

  app.openapi(wildcard(app, putCheckpointFileRoute, W.putCheckpointFile), async (c) => {
    const { job_id, step, file } = c.req.valid('param');
    const lease = c.req.header(SIGNATURE_HEADERS.lease) ?? null;
    await putCheckpointFile(c.get('auth').jobs, job_id, step, file, lease, incomingBytes(c.req.raw));
    return c.body(null, 204);
  });

  app.openapi(wildcard(app, getCheckpointFileRoute, W.getCheckpointFile), async (c) => {
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

  app.openapi(wildcard(app, modelFileRoute, W.modelFile), async (c) => {
    const jobs = c.get('auth').jobs;
    const { model_id, file: fileName } = c.req.valid('param');
    const rest = `${model_id}/files/${fileName}`;
    // <model id>/files/<file>: a model id has at most one '/', so try each '/files/' split that gives valid parts.
    for (let at = rest.indexOf('/files/'); at >= 0; at = rest.indexOf('/files/', at + 1)) {
      const modelId = rest.slice(0, at);
      const file = rest.slice(at + '/files/'.length);
      if (!isValidModelId(modelId) || !isValidModelFilePath(file)) continue;
      const object = await readModelFile(jobs, modelId, file);
      if (object) return objectResponse(object);
    }
    throw new RequestError('not_found', `no model file at ${rest} (expected <model id>/files/<file>)`, 'model_id');
  });

  app.openapi(wildcard(app, putResultFileRoute, W.putResultFile), async (c) => {
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
