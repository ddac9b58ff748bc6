#!/usr/bin/env node
// `npm run readme-examples [-- --readme FILE]`: the README's examples, copied as written, in order, against
// `npm start`, as a new user follows them. Every ```sh block is an example (```text blocks are usage summaries);
// each command runs in one bash session (so `export` carries on), from the repository root, and must exit 0. What a
// command answers is a `# {...}` comment under it (the JSON keys it shows must be in the output) or a `# => text`
// comment after it on its line (the text must appear in the output); other comments are prose. A JSON answer with a
// top-level "error" fails. Both directions: an example
// that does not answer as the README says fails the run (exit 1).
// npm start runs on a free port (PORT; the examples' 8787 is rewritten to it), with its state in a temporary folder
// and EDGECLASS_MODELS_DIR=models:../shared/models (the README's setting for our machines) unless set. The models
// the examples make go to models/, as the user's would.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readmeArg = process.argv.indexOf('--readme');
const readme = path.resolve(readmeArg > 0 ? process.argv[readmeArg + 1] : path.join(root, 'README.md'));

/** Commands not run here, and why: each is still what the README says to do. */
const SKIP = [
  [/^npm install && npm start/, 'this script runs npm start itself'],
  [/^npm test\b/, 'the whole suite (the lead runs it)'],
  [/^curl -s localhost:8787\/metrics/, "Node's /metrics (edgeclass serve); workerd answers 501, as the README says"],
];

/** The commands of the ```sh blocks: continuation lines and multi-line quotes joined, expectations attached. */
function examples(markdown) {
  const commands = [];
  let inBlock = false;
  let pending = null;
  const lines = markdown.split('\n');
  lines.forEach((line, i) => {
    if (/^```/.test(line)) {
      inBlock = !inBlock && /^```sh\s*$/.test(line);
      pending = null;
      return;
    }
    if (!inBlock) return;
    if (pending) {
      pending.text += `\n${line}`;
      if (!continues(pending.text)) pending = null;
      return;
    }
    if (/^\s*#/.test(line)) {
      const last = commands.at(-1);
      const comment = line.replace(/^\s*#\s?/, '');
      // A JSON answer may go on over several comment lines.
      if (last && last.block === blockOf(lines, i) && (comment.startsWith('{') || last.expect.length))
        last.expect.push(comment);
      return;
    }
    if (!line.trim()) return;
    const command = { line: i + 1, block: blockOf(lines, i), text: line, expect: [] };
    commands.push(command);
    if (continues(line)) pending = command;
  });
  for (const c of commands) {
    const inline = /\s{2,}#\s(.*)$/.exec(c.text);
    if (inline && !continues(c.text.slice(0, inline.index))) {
      if (inline[1].startsWith('=> ')) c.expect.push(inline[1].slice(3));
      c.text = c.text.slice(0, inline.index);
    }
  }
  return commands;
}

const continues = (text) => /\\$/.test(text) || (text.match(/'/g) ?? []).length % 2 === 1;
const blockOf = (lines, i) => lines.slice(0, i).filter((l) => /^```/.test(l)).length;

/** What is wrong with a command's answer, or null. */
function check(command, rc, output) {
  if (rc !== 0) return `exit status ${rc}`;
  const trimmed = output.trim();
  if (trimmed.startsWith('{')) {
    try {
      const body = JSON.parse(trimmed);
      if (body && typeof body === 'object' && 'error' in body) return `an error answer: ${trimmed.slice(0, 300)}`;
    } catch {
      /* several lines, or not JSON: the expectations decide */
    }
  }
  const expected = command.expect.join('\n');
  if (!expected) return null;
  const keys = [...expected.matchAll(/"([A-Za-z_]+)":/g)].map((m) => m[1]);
  if (keys.length) {
    const missing = keys.filter((k) => !output.includes(`"${k}":`));
    return missing.length ? `the answer lacks ${missing.map((k) => `"${k}"`).join(', ')}` : null;
  }
  return output.toLowerCase().includes(expected.trim().toLowerCase()) ? null : `the answer does not show '${expected}'`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startService(_port, env) {
  const child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const deadline = Date.now() + 180_000;
  while (!output.includes('"msg":"worker started"')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { stop: () => process.kill(-child.pid, 'SIGINT'), output: () => output };
}

const commands = examples(fs.readFileSync(readme, 'utf8'));
const port = await freePort();
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-readme-'));
const env = {
  ...process.env,
  PORT: String(port),
  EDGECLASS_STATE_DIR: state,
  EDGECLASS_MODELS_DIR: process.env.EDGECLASS_MODELS_DIR ?? 'models:../shared/models',
  EDGECLASS_ADMIN_KEY: process.env.EDGECLASS_ADMIN_KEY ?? `admin_${randomBytes(18).toString('base64url')}`,
  EDGECLASS_URL: `http://127.0.0.1:${port}`,
};
console.error(
  `[readme] ${commands.length} commands from ${path.relative(process.cwd(), readme)}; npm start on ${port}`,
);
const service = await startService(port, env);
let failed = 0;
try {
  const script = commands
    .map((c, i) => {
      const skip = SKIP.find(([re]) => re.test(c.text));
      if (skip) return `echo skipped > ${state}/rc.${i}`;
      const text = c.text.replaceAll('8787', String(port));
      return `{\n${text}\n} > ${state}/out.${i} 2>&1 </dev/null; echo $? > ${state}/rc.${i}`;
    })
    .join('\n');
  spawnSync('bash', ['-c', script], { cwd: root, env, stdio: 'inherit' });
  commands.forEach((c, i) => {
    const rcFile = path.join(state, `rc.${i}`);
    const rc = fs.existsSync(rcFile) ? fs.readFileSync(rcFile, 'utf8').trim() : 'did not run';
    const first = c.text.split('\n')[0].slice(0, 100);
    if (rc === 'skipped') {
      console.log(`SKIP README.md:${c.line}  ${first}  (${SKIP.find(([re]) => re.test(c.text))[1]})`);
      return;
    }
    const outFile = path.join(state, `out.${i}`);
    const output = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
    const problem = rc === 'did not run' ? 'did not run (bash stopped before it)' : check(c, Number(rc), output);
    if (problem) {
      failed++;
      console.log(
        `FAIL README.md:${c.line}  ${first}\n     ${problem}\n     ${output.trim().slice(-600).replaceAll('\n', '\n     ')}`,
      );
    } else console.log(`PASS README.md:${c.line}  ${first}`);
  });
} finally {
  service.stop();
  for (const file of ['texts.txt', 'scores.json']) fs.rmSync(path.join(root, file), { force: true });
}
const skipped = commands.filter((c) => SKIP.some(([re]) => re.test(c.text))).length;
console.log(
  `RESULT ${commands.length - failed - skipped} examples answered as the README says, ${failed} failed, ${skipped} skipped`,
);
process.exitCode = failed ? 1 : 0;
