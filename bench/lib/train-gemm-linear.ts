// Prices one lever of the step graph's forward: each linear layer as one Gemm (bench/lib/gemm-linear.ts) against the
// step graph as built, two sessions of the same case in one process taking turns step by step (the one that goes
// first alternates). Prints, per side, session.run wall time and the process's CPU time (user + system) a step,
// min and median: on a loaded machine CPU time moves far less than wall time. Losses are printed for both: the
// rewrite must not change them beyond float32 rounding.
//
//   npx tsx bench/lib/train-gemm-linear.ts [A|B|C] [rounds=8]
import os from 'node:os';
import { createGraphSession } from '../../src/train/session.ts';
import { linearsAsGemm } from './gemm-linear.ts';
import { buildCase, caseInputs, CASES, TrainState } from './train-cases.ts';

const c = CASES[(process.argv[2] ?? 'A').toUpperCase() as 'A'];
const rounds = Number(process.argv[3] ?? 8);
if (!c || !Number.isInteger(rounds) || rounds < 1) throw new Error('usage: see the header of this file');

async function runner(variant: 'as built' | 'linears as Gemm') {
  let rewritten = 0;
  const built = buildCase(
    c,
    'float32',
    variant === 'linears as Gemm' ? (s) => (rewritten = linearsAsGemm(s.graph)) : undefined,
  );
  const session = await createGraphSession(built.model, 'cpu', 2);
  const state = new TrainState(c, built.step, built.weights, caseInputs(c));
  return { variant, rewritten, session, state, runMs: [] as number[], cpuMs: [] as number[], losses: [] as number[] };
}

const runners = [await runner('as built'), await runner('linears as Gemm')];
for (let i = 0; i < rounds + 1; i++) {
  for (const r of i % 2 ? runners : [...runners].reverse()) {
    const before = process.cpuUsage();
    const t = await r.state.run(r.session);
    const used = process.cpuUsage(before);
    r.losses.push(t.loss);
    if (i === 0) continue; // warm-up
    r.runMs.push(Math.round(t.runMs));
    r.cpuMs.push(Math.round((used.user + used.system) / 1000));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`case ${c.name}, float32 backward, 1 warm-up + ${rounds} rounds taking turns`);
for (const r of runners) {
  console.log(
    `${r.variant} (${r.rewritten} layers rewritten): session.run ms min ${Math.min(...r.runMs)} median ${median(r.runMs)}; ` +
      `CPU ms min ${Math.min(...r.cpuMs)} median ${median(r.cpuMs)}; losses ${r.losses.map((l) => l.toFixed(6)).join(' ')}`,
  );
}
console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
for (const r of runners) await r.session.release();
