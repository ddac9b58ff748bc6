// /v1/files: datasets for fine-tuning, uploaded as OpenAI's multipart form (file, purpose=fine-tune) and validated
// by the training module's own parser before they are kept (src/jobs/files.ts); result files of jobs.
import { createRoute, z } from '@hono/zod-openapi';
import { createDatasetFile, deleteFile, fileObject, getFileRow, listFiles, readFileBody } from '../../jobs/files.ts';
import type { App } from '../deps.ts';
import { requireApiKey } from '../auth.ts';
import { ErrorSchema } from '../schemas/common.ts';
import {
  FileDeletedSchema,
  FileIdParam,
  FileListQuerySchema,
  FileListSchema,
  FileSchema,
  UploadFormSchema,
} from '../schemas/files.ts';
import { authErrorResponses, bearerSecurity } from '../schemas/jobs-common.ts';

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const TAGS = ['Files'];

const uploadRoute = createRoute({
  method: 'post',
  path: '/v1/files',
  tags: TAGS,
  summary: 'Upload a dataset (TSV, CSV or JSONL), validated as the trainer will read it',
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { body: { required: true, content: { 'multipart/form-data': { schema: UploadFormSchema } } } },
  responses: {
    200: json(FileSchema, 'The file.'),
    413: json(ErrorSchema, 'The file is larger than EDGECLASS_MAX_FILE_BYTES.'),
    415: json(ErrorSchema, 'The body is not multipart/form-data.'),
    ...authErrorResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/files',
  tags: TAGS,
  summary: "The key's files, newest first (order=asc: oldest first); purpose filters",
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { query: FileListQuerySchema },
  responses: { 200: json(FileListSchema, 'A page of files.'), ...authErrorResponses },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/files/{file_id}',
  tags: TAGS,
  summary: 'A file',
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: FileIdParam },
  responses: { 200: json(FileSchema, 'The file.'), ...authErrorResponses },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/files/{file_id}',
  tags: TAGS,
  summary: 'Delete a file and its bytes (refused while an unfinished job reads it)',
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: FileIdParam },
  responses: {
    200: json(FileDeletedSchema, 'Deleted.'),
    409: json(ErrorSchema, 'A queued, running or paused job reads the file: cancel it or let it finish first.'),
    ...authErrorResponses,
  },
});

const contentRoute = createRoute({
  method: 'get',
  path: '/v1/files/{file_id}/content',
  tags: TAGS,
  summary: "A file's bytes",
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: FileIdParam },
  responses: {
    200: {
      description: 'The bytes as uploaded (or as the job wrote them).',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...authErrorResponses,
  },
});

export function registerFileRoutes(app: App): void {
  app.openapi(uploadRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    const { file } = c.req.valid('form');
    const { row } = await createDatasetFile(jobs, owner, file.name, new Uint8Array(await file.arrayBuffer()));
    return c.json(fileObject(row), 200);
  });

  app.openapi(listRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await listFiles(jobs, owner, c.req.valid('query')), 200);
  });

  app.openapi(getRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(fileObject(await getFileRow(jobs, owner, c.req.valid('param').file_id)), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await deleteFile(jobs, owner, c.req.valid('param').file_id), 200);
  });

  app.openapi(contentRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    const row = await getFileRow(jobs, owner, c.req.valid('param').file_id);
    const object = await readFileBody(jobs, row);
    const type =
      row.purpose === 'fine-tune-results'
        ? 'application/json'
        : ((
            { jsonl: 'application/x-ndjson', csv: 'text/csv', tsv: 'text/tab-separated-values' } as Record<
              string,
              string
            >
          )[row.format ?? ''] ?? 'application/octet-stream');
    return new Response(object.body, {
      headers: {
        'content-type': type,
        'content-length': String(row.bytes),
        'content-disposition': `attachment; filename="${row.filename.replace(/["\\]/g, '_')}"`,
      },
    });
  });
}
