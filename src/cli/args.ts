// A small argv parser: `--flag value`, `--flag=value`, boolean `--flag`, and positionals. Enough for our commands,
// and util.parseArgs (node:util) underneath so quoting and `--` behave as Node users expect.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends OptionSpec>(args: string[], options: T) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

/** A malformed command line: the command prints its usage and exits with 2. */
export class UsageError extends Error {}

/**
 * `edgeclass <command> <subcommand> ...`: runs `subcommands[args[0]]` with the rest. No subcommand prints `usage`
 * (exit 2; `help`, `--help`, `-h`: exit 0); an unknown one, a UsageError or an option node:util's parseArgs rejects
 * (its TypeErrors carry ERR_PARSE_ARGS_* codes) prints the message and `usage` on stderr, exit 2.
 */
export async function runSubcommand(
  command: string,
  usage: string,
  subcommands: Record<string, (args: string[]) => Promise<number>>,
  args: string[],
): Promise<number> {
  const [subcommand, ...rest] = args;
  try {
    if (subcommand === undefined || subcommand === 'help' || subcommand === '--help' || subcommand === '-h') {
      process.stdout.write(usage);
      return subcommand === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(subcommands, subcommand)) throw new UsageError(`unknown subcommand '${subcommand}'`);
    return await subcommands[subcommand](rest);
  } catch (err) {
    const isParseError = String((err as { code?: unknown })?.code ?? '').startsWith('ERR_PARSE_ARGS');
    if (err instanceof UsageError || isParseError) {
      process.stderr.write(`edgeclass ${command}: ${(err as Error).message}\n\n${usage}`);
      return 2;
    }
    throw err;
  }
}
