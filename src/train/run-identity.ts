// What a resumed run must share with the run that wrote the checkpoint: the training data and the batch layout.
// With other data or another batch size, the checkpoint's step and epoch counters mean something else, and a
// finished run would "resume" into its old result; so a resume compares, and refuses with the difference.
import { createHash } from 'node:crypto';
import type { RawExample } from './data.ts';

export interface RunIdentity {
  /** SHA-256 of the training examples as parsed (text, pair, label), in file order. */
  trainSha256: string;
  trainExamples: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  epochs: number;
}

export function runIdentity(
  train: RawExample[],
  o: { batchSize: number; gradientAccumulationSteps?: number; epochs: number },
): RunIdentity {
  const hash = createHash('sha256');
  for (const e of train) hash.update(JSON.stringify([e.text, e.pair, e.label])).update('\n');
  return {
    trainSha256: hash.digest('hex'),
    trainExamples: train.length,
    batchSize: o.batchSize,
    gradientAccumulationSteps: Math.max(1, o.gradientAccumulationSteps ?? 1),
    epochs: o.epochs,
  };
}

/** The differences between a checkpoint's run and this one, in words; none: the resume may go on. */
export function runDifferences(saved: RunIdentity, now: RunIdentity): string[] {
  const found: string[] = [];
  if (saved.trainSha256 !== now.trainSha256)
    found.push(
      `the training data differs (${saved.trainExamples} examples then, ${now.trainExamples} now${saved.trainExamples === now.trainExamples ? ', other content' : ''})`,
    );
  if (saved.batchSize !== now.batchSize) found.push(`--batch-size was ${saved.batchSize}, now ${now.batchSize}`);
  if (saved.gradientAccumulationSteps !== now.gradientAccumulationSteps)
    found.push(
      `--gradient-accumulation-steps was ${saved.gradientAccumulationSteps}, now ${now.gradientAccumulationSteps}`,
    );
  if (saved.epochs !== now.epochs) found.push(`--epochs was ${saved.epochs}, now ${now.epochs}`);
  return found;
}
