// A small argv parser: `--flag value`, `--flag=value`, boolean `--flag`, and positionals. Enough for our commands,
// and util.parseArgs (node:util) underneath so quoting and `--` behave as Node users expect.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends OptionSpec>(args: string[], options: T) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}
