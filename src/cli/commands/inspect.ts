// `edgeclass inspect <model-dir>`: the module tree with parameter counts, and what a freeze setting trains.
import { formatInspection, inspectModelFolder } from '../../nn/inspect.ts';
import { type CommandSpec, type OptionSpec, parseCommand } from '../args.ts';

const SPEC = {
  name: 'inspect',
  summary:
    "Print a model folder's module tree with parameter counts, and which parameters a freeze setting leaves trainable.",
  args: ['<model-dir>'],
  options: {
    'num-frozen-layers': {
      type: 'string',
      valueName: 'n',
      default: '0',
      description: 'freeze the first N transformer blocks (as train --num-frozen-layers)',
    },
    'freeze-embeddings': {
      type: 'boolean',
      description: 'freeze the embeddings module (as train --freeze-embeddings)',
    },
    json: { type: 'boolean', description: 'print the inspection as JSON' },
  },
  examples: [
    'edgeclass inspect models/tiny-sst2',
    'edgeclass inspect models/tiny-distil --num-frozen-layers 1 --freeze-embeddings',
  ],
} as const satisfies CommandSpec<OptionSpec>;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(SPEC, args);
  const [dir] = positionals;
  const layers = Number(values['num-frozen-layers']);
  if (!Number.isInteger(layers) || layers < 0)
    throw new Error(`--num-frozen-layers must be a non-negative integer, got '${values['num-frozen-layers']}'`);
  const inspection = inspectModelFolder(dir, { embeddings: values['freeze-embeddings'], layers });
  if (values.json) process.stdout.write(`${JSON.stringify(inspection)}\n`);
  else process.stdout.write(formatInspection(inspection));
  return 0;
}
