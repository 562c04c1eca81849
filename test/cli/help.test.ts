/** `--help` of every command: what it says about an option's default is said once; which command files a run loads. */
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import { viperInProcess } from '../testing/cli.ts';

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

describe('viper help <command>', () => {
  it('shows the help of the command it names, a subcommand too, as <command> --help does', async () => {
    // commander's help command read only its first word: `help scenarios run` showed the help of `scenarios`.
    for (const [words, flag] of [
      [
        ['help', 'scenarios', 'run'],
        ['scenarios', 'run', '--help'],
      ],
      [
        ['--verbose', 'help', 'replay'],
        ['replay', '--help'],
      ],
      [
        ['scenarios', 'help', 'score'],
        ['scenarios', 'score', '--help'],
      ],
    ]) {
      const r = await viperInProcess(words!);
      expect(r, words!.join(' ')).toEqual(await viperInProcess(flag!));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: viper ${flag!.slice(0, -1).join(' ')} \\[options\\]`));
    }
  });

  it('an unknown command is refused as `viper <command>` refuses it (with a did-you-mean), exit 2', async () => {
    // It printed the full help, exit 2, without a word of what was wrong.
    for (const [words, line] of [
      [['help', 'bogus'], "error: unknown command 'bogus' (viper --help)\n"],
      [['help', 'replya'], "error: unknown command 'replya' (Did you mean replay?) (viper --help)\n"],
      [['help', 'scenarios', 'bogus'], "error: unknown command 'bogus' (viper scenarios --help)\n"],
    ] as const) {
      expect(await viperInProcess([...words]), words.join(' ')).toEqual({
        code: 2,
        stdout: '',
        stderr: line,
      });
    }
  });
});
