/**
 * The `viper` command. Each subcommand lives in `commands/<name>.ts` and exports `register(program)`; this file
 * finds them, so adding a command touches no shared file.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { reportError } from './run.ts';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildProgram(): Promise<Command> {
  const program = new Command('viper')
    .description('Viper: perception engine for autonomous driving (MCAP replay, simulator, evaluation)')
    .version('0.1.0')
    .option('--verbose', 'print stack traces and debug detail')
    .showHelpAfterError('(run with --help for usage)');
  const dir = join(here, 'commands');
  const files = readdirSync(dir)
    .filter((f) => /\.ts$/.test(f) && !f.endsWith('.test.ts'))
    .sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { register?: (p: Command) => void };
    mod.register?.(program);
  }
  return program;
}

const program = await buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err);
}
