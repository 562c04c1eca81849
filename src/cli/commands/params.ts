import type { Command } from 'commander';
import { defaultParams, defaultParamsYaml } from '../../graph/params.ts';
import { action, printJson } from '../run.ts';

export function register(program: Command): void {
  program
    .command('params')
    .description(
      'print the tracker and fusion parameters with their defaults: a file to edit and give to replay --params',
    )
    .option('--json', 'print them as JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        if (o.json) printJson(defaultParams());
        else process.stdout.write(defaultParamsYaml());
        return 0;
      }),
    );
}
