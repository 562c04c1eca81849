/** `--help` of every command: what it says about an option's default is said once. */
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

describe('viper --help', () => {
  it('an option with a default does not state it in its description too (commander prints it)', async () => {
    // `scenarios run --help` read "bytetrack | sort (default bytetrack) … (default: "bytetrack")".
    const doubled = allCommands(await buildProgram()).flatMap((c) =>
      c.options
        .filter((o) => o.defaultValue !== undefined && /\(default\b/.test(o.description))
        .map((o) => `${c.name()} ${o.flags}: ${o.description}`),
    );
    expect(doubled).toEqual([]);
  });
});
