import { Command } from 'commander';
import { register } from './src/cli/commands/track.ts';
const p = new Command('viper');
register(p);
await p.parseAsync(process.argv);
