/**
 * The `viper` command. Each subcommand lives in `commands/<name>.ts` and exports `register(program)`; this file
 * finds them, so adding a command touches no shared file.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ConfigError, EXIT_BAD_INPUT, EXIT_OK } from '../contracts/errors.ts';
import { reportError, usageErrorJson } from './run.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The version `viper --version` prints: package.json's, so a release bump cannot leave it behind. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

/**
 * The command files to load: only the named command's where the arguments name one (`viper replay …`: loading
 * every command's modules cost each run about 0.4 s of start-up), else all of them (`viper --help`, `viper help
 * replay`, a misspelt command, which commander answers with a did-you-mean from the full list).
 */
function commandFiles(dir: string, argv: readonly string[]): string[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ts$/.test(f) && !f.endsWith('.test.ts'))
    .sort();
  // The only global option, --verbose, takes no value: the first word that is not an option is the command.
  // `viper --help replay` is the program's help (commander reads the help flag first), which lists every command.
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const named = at < 0 ? undefined : argv[at];
  const helpFirst = argv.slice(0, Math.max(at, 0)).some((a) => a === '-h' || a === '--help');
  const file = `${named}.ts`;
  if (named !== undefined && !helpFirst && files.includes(file)) return [file];
  // `viper --version` needs none.
  const versionOnly =
    argv.some((a) => a === '-V' || a === '--version') && !argv.some((a) => a === '-h' || a === '--help');
  return named === undefined && versionOnly ? [] : files;
}

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('viper')
    .description('Viper: perception engine for autonomous driving (MCAP replay, simulator, evaluation)')
    .version(packageVersion())
    .option('--verbose', 'print stack traces and debug detail')
    // --verbose works after a subcommand too (`viper replay x.mcap --verbose`): each command's --help lists it,
    // under "Global Options". Set before the commands are registered, which copy it.
    .configureHelp({ showGlobalOptions: true })
    // Usage errors throw (main turns them into exit 2) instead of commander's process.exit(1); inherited by
    // every subcommand registered below.
    .exitOverride();
  const dir = join(here, 'commands');
  for (const file of commandFiles(dir, argv)) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { register?: (p: Command) => void };
    mod.register?.(program);
  }
  oneLineUsageErrors(program);
  markRequired(program);
  return program;
}

/** `--help` says which options must be given (commander lists a required `-o` like any other). */
function markRequired(cmd: Command): void {
  for (const opt of cmd.options) if (opt.mandatory) opt.description = `${opt.description} (required)`;
  for (const sub of cmd.commands) markRequired(sub);
}

/**
 * Bad usage (missing or unknown option, missing argument, invalid choice) is bad input: one line, with where to
 * read the usage on the same line, e.g. `error: required option '-o, --output <file>' not specified (viper
 * replay --help)`. Each command gets its own line ending, naming itself. With `--json`, the error is JSON on
 * stdout too, as every other failure is (`usageErrorJson`).
 */
function oneLineUsageErrors(cmd: Command): void {
  const path: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) path.unshift(c.name());
  const help = `${path.join(' ')} --help`;
  cmd.showHelpAfterError(false).configureOutput({
    // commander puts its did-you-mean on a second line: join it to the first.
    outputError: (str, write) => {
      const line = str.trim().replace(/\s*\n\s*/g, ' ');
      usageErrorJson(line.replace(/^error:\s*/, ''), help);
      write(`${line} (${help})\n`);
    },
  });
  for (const sub of cmd.commands) oneLineUsageErrors(sub);
}

// `viper … --json | head`: the reader left. Instead of an unhandled EPIPE stack trace, later writes to that
// stream are dropped and the command carries on: it still writes its files and sets its own exit code (some
// print a line per scenario and go on working, e.g. simulate --digests / --verify).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    // EIO: the terminal itself went away (SIGHUP of a closed ssh session) while the command finalizes.
    if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
    stream.write = (() => true) as typeof stream.write;
  });
}

/**
 * An option given an empty value (`--iou ''`, `-o ''`) is refused: read as a number it is 0 and as a path it names
 * nothing, so each command took it for something else.
 */
function checkNoEmptyValues(argv: readonly string[]): void {
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i - 1]!;
    const inline = /^(--[^=]+)=$/.exec(argv[i]!);
    if (inline || (argv[i] === '' && flag.startsWith('-') && flag !== '--')) {
      throw new ConfigError({
        what: 'an option was given an empty value',
        where: inline ? inline[1]! : flag,
        hint: 'give it a value, or leave the option out for its default',
      });
    }
  }
}

/**
 * `viper help <command> [<subcommand>…]` as `viper <command> [<subcommand>…] --help`. commander's help command
 * reads only its first word: `help scenarios run` showed the help of `scenarios`, and `help bogus` the full help
 * with no word of what was wrong. An unknown word becomes the command line it names (`viper bogus`,
 * `viper scenarios bogus`), which commander refuses as an unknown command with its did-you-mean, exit 2.
 *
 * @example
 * helpAsOption(program, ['help', 'scenarios', 'run']); // ['scenarios', 'run', '--help']
 */
export function helpAsOption(program: Command, argv: readonly string[]): string[] {
  let cmd = program;
  const at = argv.findIndex((a) => !a.startsWith('-'));
  if (at < 0) return [...argv];
  // The options before it (--verbose) and the commands it descends through (`viper scenarios help run`).
  const path = [...argv.slice(0, at)];
  let i = at;
  for (; i < argv.length && argv[i] !== 'help'; i++) {
    const sub = findCommand(cmd, argv[i]!);
    if (!sub || argv[i]!.startsWith('-')) return [...argv];
    path.push(argv[i]!);
    cmd = sub;
  }
  if (i === argv.length || cmd.commands.length === 0) return [...argv];
  for (const word of argv.slice(i + 1)) {
    // A command without subcommands: what follows would be its arguments, which its help has no use for.
    if (cmd.commands.length === 0) break;
    if (word.startsWith('-')) continue;
    const sub = findCommand(cmd, word);
    if (!sub) return [...path, word];
    path.push(word);
    cmd = sub;
  }
  return [...path, '--help'];
}

function findCommand(cmd: Command, name: string): Command | undefined {
  return cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

const argv = process.argv.slice(2);
const program = await buildProgram(argv);
try {
  checkNoEmptyValues(argv);
  await program.parseAsync([...process.argv.slice(0, 2), ...helpAsOption(program, argv)]);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here too (exit code 0); everything else commander rejects is bad usage, already
    // printed on one line (or, for a command given without its subcommand, as its help).
    process.exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  } else {
    process.exitCode = reportError(err);
  }
}
