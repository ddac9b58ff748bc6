// Command lines through commander (pinned): each command declares its options once, with a description and a
// default, and gets `--help` (every option, its default, an example), "did you mean" on a mistyped option or
// subcommand, and the usual quoting and `--` rules. Values keep the option's own (kebab-case) name, as strings:
// the commands check numbers themselves, with messages that name the option.
import { Command, CommanderError, Option } from 'commander';

export interface OptionDef {
  type: 'string' | 'boolean';
  description: string;
  /** The placeholder in the usage: `--out <dir>`. */
  valueName?: string;
  short?: string;
  default?: string;
  required?: boolean;
  choices?: readonly string[];
  /** An environment variable that supplies the value when the option is not given. */
  env?: string;
}
export type OptionSpec = Record<string, OptionDef>;

export interface CommandSpec<T extends OptionSpec> {
  /** As typed after `edgeclass`: `train`, `models sync`. */
  name: string;
  summary: string;
  /** Positionals, in commander's syntax: `<text>`, `[ids...]`. */
  args?: string[];
  options: T;
  /** Whole command lines, shown under "Examples:". */
  examples: string[];
  /** Paragraphs shown after the examples. */
  notes?: string;
}

type ValueOf<D extends OptionDef> = D['type'] extends 'boolean'
  ? boolean
  : D extends { default: string } | { required: true }
    ? string
    : string | undefined;
export type Values<T extends OptionSpec> = { [K in keyof T]: ValueOf<T[K]> };

/** A malformed command line found after parsing (e.g. two options that exclude each other): usage, exit 2. */
export class UsageError extends Error {}

/** Exit status of a command line commander rejected or answered itself (`--help`): 0 for help, else 2. */
export function exitCodeOf(err: unknown): number | null {
  if (!(err instanceof CommanderError)) return null;
  return err.exitCode === 0 ? 0 : 2;
}

export function buildCommand<T extends OptionSpec>(spec: CommandSpec<T>): Command {
  const command = new Command(`edgeclass ${spec.name}`)
    .description(spec.summary)
    .exitOverride()
    .showHelpAfterError(`(run 'edgeclass ${spec.name} --help' for every option)`)
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
  for (const arg of spec.args ?? []) command.argument(arg);
  for (const [name, def] of Object.entries(spec.options)) command.addOption(optionOf(name, def));
  const notes = spec.notes ? `\n${spec.notes.trimEnd()}\n` : '';
  command.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n${notes}`);
  return command;
}

function optionOf(name: string, def: OptionDef): Option {
  const flag = `${def.short ? `-${def.short}, ` : ''}--${name}`;
  const option = new Option(def.type === 'string' ? `${flag} <${def.valueName ?? 'value'}>` : flag, def.description);
  if (def.default !== undefined) option.default(def.default, def.default);
  if (def.choices) option.choices(def.choices);
  if (def.env) option.env(def.env);
  return option;
}

/** Parses `args` (what follows the command's name) against `spec`; throws CommanderError on help or a bad line. */
export function parseCommand<T extends OptionSpec>(
  spec: CommandSpec<T>,
  args: string[],
): { values: Values<T>; positionals: string[] } {
  const command = buildCommand(spec);
  command.parse(args, { from: 'user' });
  const parsed = command.opts();
  // Checked here rather than by commander's makeOptionMandatory, which would report a missing option before a
  // mistyped one, and so hide the "did you mean" that explains both.
  for (const option of command.options)
    if (spec.options[option.long!.slice(2)]?.required && parsed[option.attributeName()] === undefined)
      command.error(`error: required option '${option.flags}' not specified`, {
        code: 'commander.missingMandatoryOptionValue',
      });
  const values: Record<string, unknown> = {};
  for (const option of command.options) {
    const name = option.long!.slice(2);
    const value = parsed[option.attributeName()];
    // commander reads `--no-x` as x = false; our commands name the flag itself (`values['no-dropout']`).
    if (option.negate) values[name] = value === false;
    else values[name] = spec.options[name].type === 'boolean' ? value === true : value;
  }
  return { values: values as Values<T>, positionals: command.args };
}

/**
 * `edgeclass <command> <subcommand> ...`: runs `subcommands[name].run` with the rest. No subcommand prints the
 * list (exit 2; `help`, `--help`, `-h`: exit 0); an unknown one gets commander's "did you mean".
 */
export async function runSubcommand(
  command: string,
  summary: string,
  subcommands: Record<string, { summary: string; run: (args: string[]) => Promise<number> }>,
  args: string[],
): Promise<number> {
  const [name, ...rest] = args;
  const program = commandList(`edgeclass ${command}`, summary, subcommands);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? process.stderr : process.stdout).write(listHelp(program));
    return name === undefined ? 2 : 0;
  }
  program.parse([name], { from: 'user' }); // throws, with a suggestion, on an unknown name
  return subcommands[name].run(rest);
}

/** The help of a command list, with the way to each command's own. */
export function listHelp(program: Command): string {
  return `${program.helpInformation()}\nRun '${program.name()} <command> --help' for a command's options, defaults and examples.\n`;
}

/** A command that only lists its subcommands: its help, and commander's check of the name (with suggestions). */
export function commandList(name: string, summary: string, subcommands: Record<string, { summary: string }>): Command {
  const program = new Command(name)
    .description(summary)
    .usage('<command> [options]')
    .exitOverride()
    .showSuggestionAfterError(true)
    .helpCommand(false);
  for (const [sub, { summary: about }] of Object.entries(subcommands))
    program
      .command(sub)
      .description(about)
      .helpOption(false)
      .action(() => {});
  return program;
}
