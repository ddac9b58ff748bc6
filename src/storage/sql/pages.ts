// Pages by `seq` (insertion order), the shape of OpenAI's lists: one row more than asked for tells
// whether there is more.
import type { PageQuery, SqlDatabase } from '../types.ts';

/**
 * `rows of table where <scope>` newest first (`order: 'asc'`: oldest first), after the row `after` (looked up within the same scope, so a cursor
 * from another owner positions nothing), limit + 1 rows. `scope` is SQL with `?` placeholders bound to `args`.
 */
export async function pageRows<Row>(
  db: SqlDatabase,
  table: string,
  scope: string,
  args: unknown[],
  page: PageQuery,
): Promise<Row[]> {
  const [beyond, direction] = page.order === 'asc' ? ['>', 'ASC'] : ['<', 'DESC'];
  const sql = page.after
    ? `SELECT * FROM ${table} WHERE ${scope} AND seq ${beyond} (SELECT seq FROM ${table} WHERE id = ? AND ${scope}) ORDER BY seq ${direction} LIMIT ?`
    : `SELECT * FROM ${table} WHERE ${scope} ORDER BY seq ${direction} LIMIT ?`;
  const bound = page.after ? [...args, page.after, ...args, page.limit + 1] : [...args, page.limit + 1];
  const { results } = await db
    .prepare(sql)
    .bind(...bound)
    .all<Row>();
  return results;
}
