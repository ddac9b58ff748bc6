// Every command explains itself, as a user meets it (bin/edgeclass.mjs in a child process): `--help` exits 0 with
// its usage, its options with their defaults, and an example; a mistyped option or command gets "did you mean",
// exit 2. The expected commands and options are written out here, so a command the top-level help forgets, or an
// option a help page drops, fails.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/paths.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function edgeclass(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Each command line, with options its help must list and a default it must show (`option (default: value)`). */
const COMMANDS: { argv: string[]; options: string[]; defaults?: [string, string][] }[] = [
  {
    argv: ['serve'],
    options: ['--port <n>', '--host <host>', '--models <dirs>', '--data-dir <dir>'],
    defaults: [
      ['--port', '8787'],
      ['--data-dir', '.edgeclass'],
    ],
  },
  { argv: ['tokenize'], options: ['--model <id>', '--pair <text>', '--models <dirs>', '--json'] },
  {
    argv: ['classify'],
    options: ['--model <id>', '--labels', '--strategy', '--file', '--batch-size', '--url', '--api-key', '--json'],
    defaults: [['--batch-size', '32']],
  },
  {
    argv: ['train'],
    options: ['--base <dir>', '--train <file>', '--validation', '--out <dir>', '--labels', '--resume', '--no-dropout'],
    defaults: [
      ['--epochs', '3'],
      ['--batch-size', '32'],
      ['--learning-rate', '5e-5'],
      ['--seed', '42'],
    ],
  },
  {
    argv: ['init-model'],
    options: ['--arch', '--layers', '--kv-heads', '--untied', '--labels', '--tokenizer <dir>', '--out <dir>'],
    defaults: [['--seed', '0']],
  },
  { argv: ['export'], options: ['--task', '--pooling', '--quantize', '--out'] },
  {
    argv: ['inspect'],
    options: ['--num-frozen-layers', '--freeze-embeddings', '--json'],
    defaults: [['--num-frozen-layers', '0']],
  },
  {
    argv: ['worker'],
    options: ['--edge <url>', '--secret', '--ep', '--port', '--log-level'],
    defaults: [['--ep', 'cpu']],
  },
  { argv: ['models', 'list'], options: ['--models <dirs>', '--json'] },
  {
    argv: ['models', 'pull'],
    options: ['--revision', '--dtype', '--models <dirs>'],
    defaults: [['--revision', 'main']],
  },
  { argv: ['models', 'sync'], options: ['--local', '--remote', '--bucket', '--models <dirs>'] },
  { argv: ['jobs', 'list'], options: ['--limit', '--after', '--url', '--api-key'], defaults: [['--limit', '20']] },
  { argv: ['jobs', 'show'], options: ['--url', '--api-key', '--json'] },
  { argv: ['jobs', 'events'], options: ['--follow', '--interval', '--limit'], defaults: [['--interval', '2']] },
  { argv: ['jobs', 'cancel'], options: ['--url', '--api-key', '--json'] },
  { argv: ['jobs', 'pause'], options: ['--url', '--api-key', '--json'] },
  { argv: ['jobs', 'resume'], options: ['--url', '--api-key', '--json'] },
];

describe('edgeclass --help', () => {
  it('the top-level help lists every command and exits 0; no command at all is a usage error (2)', async () => {
    const help = await edgeclass('--help');
    expect(help.code).toBe(0);
    const names = new Set(COMMANDS.map((c) => c.argv[0]));
    for (const name of names) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'));
    const listed = [...help.stdout.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...names].sort());
    expect((await edgeclass()).code).toBe(2);
  });

  it.each(COMMANDS)('edgeclass $argv --help: usage, every option, defaults, an example; exit 0', async (c) => {
    const r = await edgeclass(...c.argv, '--help');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: edgeclass ${c.argv.join(' ')} `);
    for (const option of c.options) expect(r.stdout).toContain(option);
    const unwrapped = r.stdout.replace(/\n {6,}/g, ' '); // commander wraps descriptions at 80 columns
    for (const [option, value] of c.defaults ?? [])
      expect(unwrapped).toMatch(new RegExp(`${option} [^\\n]*\\(.*default: ${value.replace('.', '\\.')}[,)]`));
    expect(r.stdout).toMatch(new RegExp(`Examples:\\n  \\$ (\\S+=\\S+ )?edgeclass ${c.argv.join(' ')}`));
  });

  it('a mistyped option or command gets "did you mean" and exit 2, before a missing required option', async () => {
    const train = await edgeclass('train', '--label', 'a,b');
    expect(train.code).toBe(2);
    expect(train.stderr).toContain("unknown option '--label'");
    expect(train.stderr).toContain('(Did you mean --labels?)');
    expect(train.stderr).toContain('edgeclass train --help');

    const command = await edgeclass('trian');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('(Did you mean train?)');

    const sub = await edgeclass('models', 'snyc');
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('(Did you mean sync?)');
  });

  it('a missing required option or a value outside the choices names the option, exit 2', async () => {
    const missing = await edgeclass('train', '--base', 'x', '--out', 'y');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--train <file>' not specified");
    const choice = await edgeclass('classify', 'a text', '--model', 'm', '--strategy', 'nil');
    expect(choice.code).toBe(2);
    expect(choice.stderr).toMatch(/--strategy <name>' argument 'nil' is invalid. Allowed choices are embedding, nli/);
  });
});
