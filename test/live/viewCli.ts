/**
 * Runs `viper view` with only the view command registered, so its test does not depend on the other commands
 * (which other engineers change in parallel). Same `register` and `action` as bin/viper.js uses.
 */
import { Command } from 'commander';
import { register } from '../../src/cli/commands/view.ts';

const program = new Command('viper');
register(program);
await program.parseAsync(process.argv);
