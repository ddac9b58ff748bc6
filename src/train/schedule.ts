// Learning-rate schedules of Hugging Face's Trainer: linear warmup from 0, then linear decay to 0 or a cosine.

export type ScheduleKind = 'linear' | 'cosine' | 'constant';

export interface Schedule {
  kind: ScheduleKind;
  peak: number;
  warmupSteps: number;
  totalSteps: number;
}

/** The learning rate of optimizer step `step` (0-based), as transformers' get_*_schedule_with_warmup. */
export function learningRate(s: Schedule, step: number): number {
  if (step < s.warmupSteps) return s.peak * (step / Math.max(1, s.warmupSteps));
  if (s.kind === 'constant') return s.peak;
  const progress = (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps);
  if (s.kind === 'linear') return s.peak * Math.max(0, 1 - progress);
  return s.peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}
