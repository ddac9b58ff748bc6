// Peak RSS of one training case's process, under the memory levers of the trainer's host side and of onnxruntime:
// the CPU memory arena on or off, onnxruntime's memory pattern on or off, the initial weights taken over or copied.
// Defaults are the trainer's (src/train/session.ts). One configuration per process (peak RSS is per process); run it
// once per configuration and compare. Prints one JSON line: session.run times, CPU times, losses (equal across configurations:
// the levers must not change the numbers), peak RSS.
//
//   npx tsx bench/lib/train-memory.ts --case A|B|C [--arena on|off] [--mem-pattern on|off] [--copy] [--steps 4]
import { createGraphSession } from '../../src/train/session.ts';
import { buildCase, caseInputs, CASES, TrainState } from './train-cases.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1]! : fallback;
const c = CASES[opt('case', 'A').toUpperCase() as 'A'];
const arena = opt('arena', 'on') === 'on'; // src/train/session.ts's default
const memPattern = opt('mem-pattern', 'off') === 'on'; // src/train/session.ts's default
const copy = argv.includes('--copy');
const steps = Number(opt('steps', '4'));
if (!c || !Number.isInteger(steps) || steps < 1) throw new Error('usage: see the header of bench/lib/train-memory.ts');

const built = buildCase(c, 'float32');
// The trainer's session, with the two memory levers as asked.
const graphSession = await createGraphSession(built.model, 'cpu', 2, { memoryArena: arena, memoryPattern: memPattern });
const state = new TrainState(c, built.step, built.weights, caseInputs(c), !copy);
const runMs: number[] = [];
// CPU time (user + system) of this process a step: on a loaded machine it moves far less than wall time, and the
// system part holds the page faults of memory that is mapped fresh each step (what the arena saves).
const cpuMs: { user: number; system: number }[] = [];
const losses: string[] = [];
for (let i = 0; i < steps; i++) {
  const before = process.cpuUsage();
  const s = await state.run(graphSession);
  const used = process.cpuUsage(before);
  cpuMs.push({ user: Math.round(used.user / 1000), system: Math.round(used.system / 1000) });
  runMs.push(Math.round(s.runMs));
  losses.push(s.loss.toFixed(6));
}
console.log(
  JSON.stringify({
    case: c.name,
    arena,
    memPattern,
    copy,
    runMs,
    cpuMs,
    losses,
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
await graphSession.release();
