#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx's loader: one codebase, no build step to forget.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The project's own tsconfig wherever the command runs from: without it tsx reads the working directory's (or none),
// and the pages' JSX (src/http/web/*.tsx, Hono's) would be compiled for React.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
