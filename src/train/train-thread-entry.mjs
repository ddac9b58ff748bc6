// Entry of the training worker thread: TypeScript sources run through tsx's loader, as in the main thread.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The project's tsconfig, not the working directory's (bin/edgeclass.mjs says why).
register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
await import('./train-thread-main.ts');
