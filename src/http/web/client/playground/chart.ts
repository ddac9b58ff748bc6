// The job's chart: training loss, validation loss and accuracy by step, drawn as SVG (loss on the left axis,
// accuracy on the right, 0-100%).
import type { JobEvent } from '../api-types.ts';
import { byId, el } from '../dom.ts';

type Point = [step: number, value: number];
type SeriesName = 'train_loss' | 'eval_loss' | 'eval_accuracy';
type Series = Record<SeriesName, Point[]>;
const SERIES: SeriesName[] = ['train_loss', 'eval_loss', 'eval_accuracy'];

// The drawing's size and margins, in viewBox units.
const W = 820;
const H = 300;
const L = 56;
const R = 56;
const T = 16;
const B = 58;
const MID_Y = T + (H - T - B) / 2;

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Round tick values between lo and hi, about count of them; whole numbers only when integer is set (steps). */
function niceTicks(lo: number, hi: number, count: number, integer: boolean): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  let mag = 10 ** Math.floor(Math.log10(raw));
  if (integer && mag < 1) mag = 1;
  const steps = (integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]).map((m) => m * mag);
  const step = steps.find((s) => s >= raw) || 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

/** Points by step; a step reported twice (its evaluation, then its checkpoint) counts once, the later value. */
function seriesOf(events: JobEvent[]): Series {
  const byStep: Record<SeriesName, Map<number, number>> = {
    train_loss: new Map(),
    eval_loss: new Map(),
    eval_accuracy: new Map(),
  };
  for (const e of events) {
    const step = e.data?.step;
    if (e.type !== 'metrics' || typeof step !== 'number') continue;
    for (const name of SERIES) {
      const value = e.data?.[name];
      if (typeof value === 'number' && Number.isFinite(value)) byStep[name].set(step, value);
    }
  }
  const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]);
  return {
    train_loss: sorted(byStep.train_loss),
    eval_loss: sorted(byStep.eval_loss),
    eval_accuracy: sorted(byStep.eval_accuracy),
  };
}

interface Scales {
  x: (step: number) => number;
  yLoss: (loss: number) => number;
  yAcc: (accuracy: number) => number;
  xRange: [number, number];
  lossRange: [number, number];
}

function scalesOf(s: Series): Scales {
  const all = [...s.train_loss, ...s.eval_loss, ...s.eval_accuracy];
  const xMin = Math.min(...all.map((p) => p[0]));
  let xMax = Math.max(...all.map((p) => p[0]));
  if (xMax === xMin) xMax = xMin + 1;
  const losses = [...s.train_loss, ...s.eval_loss].map((p) => p[1]);
  const lo = losses.length ? Math.min(...losses) : 0;
  const hi = losses.length ? Math.max(...losses) : 1;
  const pad = (hi - lo || Math.abs(hi) * 0.05 || 0.5) * 0.15;
  const yMax = hi + pad;
  // From zero while the losses span much of it; zoomed in on a flat stretch (a run that barely moves).
  const yMin = lo - pad < (hi - lo) * 2 ? 0 : lo - pad;
  return {
    x: (v) => L + ((v - xMin) / (xMax - xMin)) * (W - L - R),
    yLoss: (v) => T + (1 - (v - yMin) / (yMax - yMin)) * (H - T - B),
    yAcc: (v) => T + (1 - v) * (H - T - B),
    xRange: [xMin, xMax],
    lossRange: [yMin, yMax],
  };
}

function drawAxes(chart: SVGElement, sc: Scales, withAccuracy: boolean): void {
  for (const t of niceTicks(sc.lossRange[0], sc.lossRange[1], 5, false)) {
    chart.appendChild(svg('line', { class: 'grid', x1: L, x2: W - R, y1: sc.yLoss(t), y2: sc.yLoss(t) }));
    chart.appendChild(svg('text', { x: L - 6, y: sc.yLoss(t) + 4, 'text-anchor': 'end' }, String(t)));
  }
  for (const t of niceTicks(sc.xRange[0], sc.xRange[1], 8, true)) {
    chart.appendChild(svg('line', { class: 'grid', x1: sc.x(t), x2: sc.x(t), y1: T, y2: H - B }));
    chart.appendChild(svg('text', { x: sc.x(t), y: H - B + 15, 'text-anchor': 'middle' }, String(t)));
  }
  if (withAccuracy) {
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      chart.appendChild(svg('text', { x: W - R + 6, y: sc.yAcc(t) + 4 }, `${t * 100}%`));
    }
    const rotate = `rotate(90 ${W - 12} ${MID_Y})`;
    chart.appendChild(svg('text', { x: W - 12, y: MID_Y, 'text-anchor': 'middle', transform: rotate }, 'accuracy'));
  }
  chart.appendChild(svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
  chart.appendChild(svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }));
  chart.appendChild(svg('text', { x: L + (W - L - R) / 2, y: H - B + 32, 'text-anchor': 'middle' }, 'step'));
  const rotate = `rotate(-90 14 ${MID_Y})`;
  chart.appendChild(svg('text', { x: 14, y: MID_Y, 'text-anchor': 'middle', transform: rotate }, 'loss'));
}

function drawSeries(chart: SVGElement, name: string, data: Point[], color: string, scales: Scales, dots: boolean) {
  if (!data.length) return;
  const x = scales.x;
  const y = name === 'eval_accuracy' ? scales.yAcc : scales.yLoss;
  const d = data.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)} ${y(p[1]).toFixed(1)}`).join(' ');
  const attrs = { d, fill: 'none', stroke: color, 'stroke-width': 2, 'data-series': name, 'data-points': data.length };
  chart.appendChild(svg('path', attrs));
  if (dots) for (const p of data) chart.appendChild(svg('circle', { cx: x(p[0]), cy: y(p[1]), r: 3.5, fill: color }));
}

const COLORS: Record<SeriesName, string> = { train_loss: '#3b5bdb', eval_loss: '#e67700', eval_accuracy: '#2f9e44' };
const LEGEND: [SeriesName, string][] = [
  ['train_loss', 'training loss'],
  ['eval_loss', 'validation loss'],
  ['eval_accuracy', 'validation accuracy (right axis)'],
];

function drawLegend(chart: SVGElement, s: Series): void {
  let lx = L;
  for (const [name, label] of LEGEND) {
    if (!s[name].length) continue;
    chart.appendChild(svg('rect', { x: lx, y: H - 14, width: 14, height: 4, fill: COLORS[name] }));
    chart.appendChild(svg('text', { x: lx + 20, y: H - 9 }, label));
    lx += 40 + label.length * 6;
  }
}

export function renderChart(events: JobEvent[]): void {
  const box = byId('job-chart');
  box.textContent = '';
  const s = seriesOf(events);
  if (!s.train_loss.length && !s.eval_loss.length && !s.eval_accuracy.length) {
    box.appendChild(el('p', { class: 'muted', text: 'No metrics yet: the worker reports them as training goes.' }));
    return;
  }
  const scales = scalesOf(s);
  const chart = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': 'loss and accuracy by step',
  });
  drawAxes(chart, scales, s.eval_accuracy.length > 0);
  drawSeries(chart, 'train_loss', s.train_loss, COLORS.train_loss, scales, s.train_loss.length < 3);
  drawSeries(chart, 'eval_loss', s.eval_loss, COLORS.eval_loss, scales, true);
  drawSeries(chart, 'eval_accuracy', s.eval_accuracy, COLORS.eval_accuracy, scales, true);
  drawLegend(chart, s);
  box.appendChild(chart);
}
