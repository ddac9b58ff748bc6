// /v1/triggers (a key's job templates) and /v1/hooks/{trigger_id} (signed calls from outside systems that start a
// job): src/jobs/triggers.ts. The hook route has no API key: its signature is its authentication.
import { createRoute, type z } from '@hono/zod-openapi';
import { callTrigger, createTrigger, disableTrigger, getTrigger, listTriggers } from '../../jobs/triggers.ts';
import type { App } from '../deps.ts';
import { jobsContext, requireApiKey } from '../auth.ts';
import { ErrorSchema } from '../schemas/common.ts';
import { ListQuerySchema } from '../schemas/fine-tuning.ts';
import { authErrorResponses, bearerSecurity } from '../schemas/jobs-common.ts';
import {
  CreateTriggerRequestSchema,
  HookResponseSchema,
  TriggerIdParam,
  TriggerListSchema,
  TriggerSchema,
} from '../schemas/triggers.ts';

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const TAGS = ['Triggers'];

const createTriggerRoute = createRoute({
  method: 'post',
  path: '/v1/triggers',
  tags: TAGS,
  summary: 'Create a trigger: a fine-tuning template that signed calls to its hook start',
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateTriggerRequestSchema } } } },
  responses: { 200: json(TriggerSchema, 'The trigger, with its secret (shown this once).'), ...authErrorResponses },
});

const listTriggersRoute = createRoute({
  method: 'get',
  path: '/v1/triggers',
  tags: TAGS,
  summary: "The key's triggers, newest first",
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { query: ListQuerySchema },
  responses: { 200: json(TriggerListSchema, 'A page of triggers.'), ...authErrorResponses },
});

const getTriggerRoute = createRoute({
  method: 'get',
  path: '/v1/triggers/{trigger_id}',
  tags: TAGS,
  summary: 'A trigger (without its secret)',
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: TriggerIdParam },
  responses: { 200: json(TriggerSchema, 'The trigger.'), ...authErrorResponses },
});

const deleteTriggerRoute = createRoute({
  method: 'delete',
  path: '/v1/triggers/{trigger_id}',
  tags: TAGS,
  summary: 'Disable a trigger: its hook answers 404 from now on',
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: TriggerIdParam },
  responses: { 200: json(TriggerSchema, 'The disabled trigger.'), ...authErrorResponses },
});

const hookRoute = createRoute({
  method: 'post',
  path: '/v1/hooks/{trigger_id}',
  tags: TAGS,
  summary: 'Start a fine-tuning job from a trigger (Standard Webhooks or X-Hub-Signature-256 signed)',
  description:
    'Signed with the trigger secret: Standard Webhooks headers webhook-id, webhook-timestamp (within 5 minutes) and ' +
    'webhook-signature (v1,<base64 HMAC-SHA256 of "id.timestamp.body" keyed by the base64-decoded part of whsec_...); or ' +
    "GitHub's X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body keyed by the whole secret string> (GitHub signs no " +
    'timestamp and not X-GitHub-Delivery: a body signed before is refused as a replay, whatever its delivery id). ' +
    'The trigger is looked up and the signature headers checked before the body is read. ' +
    "The body is the caller's event (any bytes); the dataset is read from the trigger's location.",
  request: { params: TriggerIdParam },
  responses: {
    202: json(HookResponseSchema, 'A job was created and queued.'),
    401: json(ErrorSchema, 'Unsigned, badly signed, or stale.'),
    404: json(ErrorSchema, 'No such trigger, or it is disabled.'),
    409: json(ErrorSchema, 'A replay: this webhook-id, or this GitHub-signed body, was received before.'),
    413: json(ErrorSchema, 'The dataset is larger than EDGECLASS_MAX_FILE_BYTES.'),
    400: json(ErrorSchema, 'The dataset at the location is invalid or unreachable.'),
    501: json(ErrorSchema, 'Fine-tuning is edge-only.'),
  },
});

export function registerTriggerRoutes(app: App): void {
  app.openapi(createTriggerRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    const { trigger, secret, webhookSecret } = await createTrigger(jobs, owner, c.req.valid('json'));
    return c.json({ ...trigger, secret, ...(webhookSecret ? { webhook_secret: webhookSecret } : {}) }, 200);
  });

  app.openapi(listTriggersRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await listTriggers(jobs, owner, c.req.valid('query')), 200);
  });

  app.openapi(getTriggerRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await getTrigger(jobs, owner, c.req.valid('param').trigger_id), 200);
  });

  app.openapi(deleteTriggerRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await disableTrigger(jobs, owner, c.req.valid('param').trigger_id), 200);
  });

  app.openapi(hookRoute, async (c) => {
    const jobs = jobsContext(c);
    // The body is read only once the trigger exists and the call's signature headers pass (callTrigger).
    const result = await callTrigger(
      jobs,
      c.req.valid('param').trigger_id,
      { get: (name) => c.req.header(name) ?? null },
      async () => new Uint8Array(await c.req.arrayBuffer()),
    );
    return c.json(
      {
        object: 'fine_tuning.trigger.call' as const,
        trigger_id: result.trigger_id,
        call_id: result.call_id,
        job: result.job,
      },
      202,
    );
  });
}
