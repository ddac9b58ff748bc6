// OpenAI's list shape: {object: "list", data, has_more, first_id, last_id}, newest first, `after` = the id of the
// last item of the previous page. Pages are read by `seq` (insertion order), one row more than asked for to know
// whether there is more.

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
