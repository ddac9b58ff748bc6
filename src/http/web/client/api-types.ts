// The API's answers the pages read, typed from the zod schemas the routes answer with (src/http/schemas/), so a
// change of a field the pages use fails the typecheck instead of the page.
import type { z } from '@hono/zod-openapi';
import type { ClassifyResponseSchema } from '../../schemas/classify.ts';
import type { EventListSchema, EventSchema, JobListSchema, JobSchema } from '../../schemas/fine-tuning.ts';
import type { TokenizeResponseSchema } from '../../schemas/tokenize.ts';

export type TokenizeResponse = z.infer<typeof TokenizeResponseSchema>;
export type Encoding = TokenizeResponse['encodings'][number];
export type ClassifyResponse = z.infer<typeof ClassifyResponseSchema>;
export type Job = z.infer<typeof JobSchema>;
export type JobList = z.infer<typeof JobListSchema>;
export type JobEvent = z.infer<typeof EventSchema>;
export type EventList = z.infer<typeof EventListSchema>;

/** An entry of GET /v1/models, as far as the playground reads it (its schema lives in routes/models.ts). */
export interface ModelEntry {
  id: string;
  capabilities?: { tokenize: boolean; embeddings: boolean; classify: boolean };
}
