// Files: datasets uploaded for fine-tuning (validated with the training module's parser before they are kept),
// and the result files jobs produce. Bytes in the FILES blob store, the description in the files aggregate
// (ctx.fileRows); a file is its owner's.
import { RequestError } from '../core/errors.ts';
import { sha256Hex } from './crypto.ts';
import { validateDataset, type DatasetSummary } from './datasets.ts';
import { isId, newId } from './ids.ts';
import { toPage, type Page, type PageRequest } from './pagination.ts';
import { seconds, type JobsContext } from './context.ts';
import type { BlobBody, FileRow } from '../storage/types.ts';

export const FILE_PURPOSES = ['fine-tune', 'fine-tune-results'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

/** OpenAI's file object, plus what validation found (format, examples, labels). */
export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: FilePurpose;
  status: 'processed';
  format: string | null;
  examples: number | null;
  labels: string[] | null;
  multi_label: boolean;
  sha256: string;
}

export type { FileRow };

export function fileObject(row: FileRow): FileObject {
  return {
    id: row.id,
    object: 'file',
    bytes: row.bytes,
    created_at: seconds(row.created_at)!,
    filename: row.filename,
    purpose: row.purpose,
    status: row.status,
    format: row.format,
    examples: row.examples,
    labels: row.labels === null ? null : (JSON.parse(row.labels) as string[]),
    multi_label: row.multi_label === 1,
    sha256: row.sha256,
  };
}

/** Only the base name, without control characters or path separators: what the API shows and formatOf reads. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a file name must lose
  return base.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255);
}

/** Keeps a validated dataset: bytes to R2, then its row. Throws RequestError for anything the trainer would refuse. */
export async function createDatasetFile(
  ctx: JobsContext,
  owner: string,
  filename: string,
  bytes: Uint8Array,
  param = 'file',
): Promise<{ row: FileRow; summary: DatasetSummary }> {
  if (bytes.length > ctx.config.maxFileBytes) {
    throw new RequestError(
      'too_large',
      `${param}: ${bytes.length} bytes; the limit is ${ctx.config.maxFileBytes} (EDGECLASS_MAX_FILE_BYTES)`,
      param,
    );
  }
  const name = cleanFilename(filename);
  if (!name)
    throw new RequestError('invalid_request', `${param}: the file needs a name ending in .tsv, .csv or .jsonl`, param);
  const { rows: _rows, ...summary } = validateDataset(bytes, name, param);
  const row = await storeFile(ctx, owner, 'fine-tune', name, bytes, summary);
  return { row, summary };
}

/** Stores bytes as a file of `owner` (datasets validated before; result files as they are). */
export async function storeFile(
  ctx: JobsContext,
  owner: string,
  purpose: FilePurpose,
  filename: string,
  bytes: Uint8Array,
  summary: DatasetSummary | null,
): Promise<FileRow> {
  const now = ctx.now();
  const id = newId('file', now);
  const row: FileRow = {
    id,
    owner,
    purpose,
    filename,
    bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    r2_key: `files/${owner}/${id}`,
    format: summary?.format ?? null,
    examples: summary?.examples ?? null,
    labels: summary ? JSON.stringify(summary.labels) : null,
    multi_label: summary?.multiLabel ? 1 : 0,
    status: 'processed',
    created_at: now,
  };
  await ctx.files.put(row.r2_key, bytes, { customMetadata: { owner, file_id: id, filename } });
  await ctx.fileRows.insert(row);
  return row;
}

/** The owner's file; not_found for an unknown id and for another owner's file alike. */
export async function getFileRow(ctx: JobsContext, owner: string, id: string, param = 'file_id'): Promise<FileRow> {
  const row = isId('file', id) ? await ctx.fileRows.find(id, owner) : null;
  if (!row) throw new RequestError('not_found', `no file '${id}'`, param);
  return row;
}

/** Any owner's file (the worker API: the worker is trusted with every job). */
export async function getFileRowById(ctx: JobsContext, id: string): Promise<FileRow | null> {
  return isId('file', id) ? ctx.fileRows.find(id, null) : null;
}

export async function listFiles(
  ctx: JobsContext,
  owner: string,
  page: PageRequest & { purpose?: FilePurpose; order?: 'asc' | 'desc' },
): Promise<Page<FileObject>> {
  const rows = await ctx.fileRows.page(owner, page.purpose ?? null, page);
  return toPage(rows.map(fileObject), page.limit);
}

export async function readFileBody(ctx: JobsContext, row: FileRow): Promise<BlobBody> {
  const object = await ctx.files.get(row.r2_key);
  if (!object) throw new Error(`the bytes of ${row.id} are missing from the FILES bucket (${row.r2_key})`);
  return object;
}

// ---- deleting ---------------------------------------------------------------------------------------------

/** OpenAI's answer to a file deletion. */
export interface FileDeleted {
  id: string;
  object: 'file';
  deleted: true;
}

/**
 * Deletes the owner's file: its row, then its bytes. A dataset that an unfinished job (queued, running or paused)
 * still reads is refused with 409 naming the job: a worker downloads it at every claim, and a paused or released
 * job is claimed again. Cancel the job (or let it finish) first. So is one an enabled trigger starts jobs from.
 */
export async function deleteFile(ctx: JobsContext, owner: string, id: string): Promise<FileDeleted> {
  const row = await getFileRow(ctx, owner, id);
  const readers = await ctx.fileRows.readers(row.id, owner);
  if (readers.jobs.length) {
    const jobs = readers.jobs.map((j) => `${j.id} (${j.status})`).join(', ');
    throw new RequestError(
      'conflict',
      `file ${row.id} is the dataset of unfinished fine-tuning jobs: ${jobs}; cancel them or wait until they finish`,
      'file_id',
    );
  }
  const triggers = readers.triggers;
  if (triggers.length) {
    throw new RequestError(
      'conflict',
      `file ${row.id} is the dataset of triggers ${triggers.join(', ')}; delete them first`,
      'file_id',
    );
  }
  await ctx.fileRows.delete(row.id, owner);
  await ctx.files.delete(row.r2_key);
  return { id: row.id, object: 'file', deleted: true };
}
