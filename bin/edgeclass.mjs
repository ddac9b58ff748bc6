#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx's loader: one codebase, no build step to forget.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The repo's tsconfig wherever the CLI is started from: tsx looks in the working directory otherwise, and without
// its jsxImportSource the pages' JSX compiles to React calls ("React is not defined").
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
