/** `--help` of every command: what it says about an option's default is said once; which command files a run loads. */
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

describe('which commands the program loads', () => {
  it('only the command the arguments name, with every option it has when all are loaded', async () => {
    const all = (await buildProgram()).commands;
    expect(all.length).toBeGreaterThan(10);
    for (const cmd of all) {
      // `--verbose` may come first; the command is the first word that is not an option.
      const one = (await buildProgram(['--verbose', cmd.name(), 'x.mcap'])).commands;
      expect(one.map((c) => c.name())).toEqual([cmd.name()]);
      expect(one[0]!.options.map((o) => o.flags)).toEqual(cmd.options.map((o) => o.flags));
    }
  });

  it('all of them for the top-level help, `help <command>` and a misspelt command (its did-you-mean)', async () => {
    const all = (await buildProgram()).commands.map((c) => c.name());
    for (const argv of [
      ['--help'],
      ['--help', 'replay'],
      ['-h', 'eval'],
      ['help', 'replay'],
      ['replya', 'x.mcap'],
      [],
    ]) {
      expect((await buildProgram(argv)).commands.map((c) => c.name())).toEqual(all);
    }
    expect((await buildProgram(['--version'])).commands).toEqual([]);
  });
});
