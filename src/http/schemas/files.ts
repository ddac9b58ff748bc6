// Schemas of /v1/files: OpenAI's file object and upload form, plus what validation found in a dataset.
import { z } from '@hono/zod-openapi';
import { ListQuerySchema, listSchema } from './jobs-common.ts';

/** A multipart file field (File in workerd and Node). */
const Upload = z
  .custom<File>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as File).arrayBuffer === 'function' &&
      typeof (v as File).name === 'string',
    {
      message: 'file must be a file part of a multipart/form-data body',
    },
  )
  .openapi({
    type: 'string',
    format: 'binary',
    description: 'The dataset: .tsv, .csv or .jsonl (the format is read from the file name).',
  });

export const UploadFormSchema = z
  .object({
    file: Upload,
    purpose: z.literal('fine-tune').openapi({ description: 'Only fine-tune.' }),
  })
  .openapi('FileUpload');

export const FileSchema = z
  .object({
    id: z.string(),
    object: z.literal('file'),
    bytes: z.number().int(),
    created_at: z.number().int(),
    filename: z.string(),
    purpose: z.enum(['fine-tune', 'fine-tune-results']),
    status: z.literal('processed'),
    format: z.string().nullable().openapi({ description: 'tsv, csv or jsonl (datasets).' }),
    examples: z.number().int().nullable().openapi({ description: 'Rows (datasets).' }),
    labels: z.array(z.string()).nullable().openapi({ description: 'Label names in id order (datasets).' }),
    multi_label: z.boolean(),
    sha256: z.string(),
  })
  .openapi('File');

export const FileListSchema = listSchema(FileSchema, 'FileList');

export const FileListQuerySchema = ListQuerySchema.extend({
  // OpenAI's bound (its default is the same 10,000; ours stays 20 a page).
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(20)
    .openapi({ description: 'Files per page, 1 to 10,000 (default 20).' }),
  purpose: z.enum(['fine-tune', 'fine-tune-results']).optional(),
  order: z
    .enum(['asc', 'desc'])
    .default('desc')
    .openapi({ description: 'By creation: desc (newest first, the default) or asc.' }),
});

export const FileDeletedSchema = z
  .object({ id: z.string(), object: z.literal('file'), deleted: z.literal(true) })
  .openapi('FileDeleted');

export const FileIdParam = z.object({
  file_id: z.string().max(100).openapi({ example: 'file-01jh3x4m5n6p7q8r9s0t1v2w3x' }),
});
