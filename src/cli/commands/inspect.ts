// `edgeclass inspect <model-dir>`: the module tree with parameter counts, and what a freeze setting trains.
import { formatInspection, inspectModelFolder } from '../../nn/inspect.ts';
import { parseCommandArgs } from '../args.ts';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    'num-frozen-layers': { type: 'string', default: '0' },
    'freeze-embeddings': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const [dir] = positionals;
  if (!dir) {
    process.stderr.write(
      'usage: edgeclass inspect <model-dir> [--num-frozen-layers N] [--freeze-embeddings] [--json]\n',
    );
    return 2;
  }
  const layers = Number(values['num-frozen-layers']);
  if (!Number.isInteger(layers) || layers < 0)
    throw new Error(`--num-frozen-layers must be a non-negative integer, got '${values['num-frozen-layers']}'`);
  const inspection = inspectModelFolder(dir, { embeddings: values['freeze-embeddings']!, layers });
  if (values.json) process.stdout.write(`${JSON.stringify(inspection)}\n`);
  else process.stdout.write(formatInspection(inspection));
  return 0;
}
