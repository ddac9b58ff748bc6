// Vitest global setup: the pages' browser scripts rebuilt before the tests (scripts/build-web.ts), so a run after
// an edit of src/http/web/client/ serves the edited code rather than the last build's.
import { buildWebScripts } from '../../scripts/build-web.ts';

export default async function setup(): Promise<void> {
  await buildWebScripts();
}
