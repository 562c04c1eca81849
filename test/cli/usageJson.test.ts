/**
 * Usage errors commander refuses a command line with (unknown option, missing argument, unknown command) under
 * `--json`: the same `{"error": …}` document on stdout as every other failure, the same one line on stderr and
 * exit 2 as without --json.
 */
import { describe, expect, it } from 'vitest';
import { viperInProcess } from '../testing/cli.ts';

describe('usage errors with --json', () => {
  it.each([
    [['params', '--json', '--bogus'], "unknown option '--bogus'", 'viper params --help'],
    [['inspect', '--json'], "missing required argument 'file'", 'viper inspect --help'],
    [['scenarios', 'run', '--json', '--bogus'], "unknown option '--bogus'", 'viper scenarios run --help'],
    [['bogus', '--json'], "unknown command 'bogus'", 'viper --help'],
  ])('%j: JSON on stdout, the line on stderr, exit 2', async (args, what, help) => {
    const r = await viperInProcess(args);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { domain: 'usage', what, where: help.replace(/ --help$/, ''), hint: `see ${help}` },
    });
    expect(r.stderr).toBe(`error: ${what} (${help})\n`);
  });

  it('without --json, stdout stays empty', async () => {
    const r = await viperInProcess(['params', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error: unknown option '--bogus' (viper params --help)\n");
  });
});
