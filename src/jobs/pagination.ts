// OpenAI's list shape: {object: "list", data, has_more, first_id, last_id}, newest first, `after` = the id of the
// last item of the previous page. Pages are read by `seq` (insertion order), one row more than asked for to know
// whether there is more.
import type { SqlDatabase } from '../storage/types.ts';

export interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

export interface PageRequest {
  after?: string | null;
  limit: number;
}

export function toPage<T extends { id: string }>(items: T[], limit: number): Page<T> {
  const data = items.slice(0, limit);
  return {
    object: 'list',
    data,
    has_more: items.length > limit,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  };
}

/**
 * `rows of table where <scope>` newest first, after the row `after` (looked up within the same scope, so a cursor
 * from another owner positions nothing), limit + 1 rows. `scope` is SQL with `?` placeholders bound to `args`.
 */
export async function pageRows<Row>(
  db: SqlDatabase,
  table: string,
  scope: string,
  args: unknown[],
  page: PageRequest,
): Promise<Row[]> {
  const sql = page.after
    ? `SELECT * FROM ${table} WHERE ${scope} AND seq < (SELECT seq FROM ${table} WHERE id = ? AND ${scope}) ORDER BY seq DESC LIMIT ?`
    : `SELECT * FROM ${table} WHERE ${scope} ORDER BY seq DESC LIMIT ?`;
  const bound = page.after ? [...args, page.after, ...args, page.limit + 1] : [...args, page.limit + 1];
  const { results } = await db
    .prepare(sql)
    .bind(...bound)
    .all<Row>();
  return results;
}
