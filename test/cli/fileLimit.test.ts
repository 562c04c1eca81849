/**
 * Running out of file handles is a limit of the machine, not bad input: one line naming the limit and how to raise
 * it, exit 1 (DESIGN.md: 2 is for the user's input), whatever error it surfaced in.
 */
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { feedInputs } from '../../src/cli/feedInputs.ts';
import { reportError } from '../../src/cli/run.ts';
import { readSuiteJson } from '../../src/cli/suite/suiteFile.ts';
import { loadParams } from '../../src/graph/params.ts';
import { InputError, RecordingError } from '../../src/contracts/errors.ts';
import { fileAccessError } from '../../src/io/mcap/inspectFile.ts';
import { viperBin } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-file-limit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errno(code: string, path = '/data/x.mcap'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, open '${path}'`), { code, syscall: 'open', path });
}

/** reportError's exit code and what it printed on stderr. */
function reported(err: unknown): { code: number; stderr: string } {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: reportError(err), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('too many files open', () => {
  it('the errors of files read whole keep the system error, so a folder read as one is EISDIR there', async () => {
    const causeOf = async (f: () => unknown) => {
      try {
        await f();
      } catch (err) {
        return ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      }
      return 'no error';
    };
    expect(await causeOf(() => loadParams(dir))).toBe('EISDIR');
    expect(await causeOf(() => readSuiteJson(dir))).toBe('EISDIR');
    expect(await causeOf(() => feedInputs([], dir))).toBe('EISDIR');
  });

  it('exits 1 with the limit and ulimit -n, whichever error carried it', () => {
    const cases = [
      fileAccessError('open', '/data/x.mcap', 'check the file permissions', errno('EMFILE')),
      new RecordingError({
        what: 'cannot read file (EMFILE)',
        where: '/data/x.mcap',
        hint: 'check the path and permissions',
        cause: errno('EMFILE'),
      }),
      errno('EMFILE'),
    ];
    for (const err of cases) {
      const r = reported(err);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^error: system: too many files open \(EMFILE: this process's open-files limit(, \d+)?\) \(\/data\/x\.mcap\) — .*ulimit -n/,
        ),
      ]);
      expect(r.stderr).not.toMatch(/permissions|internal error/);
    }
    // The system's table full: its own limit named, not ulimit.
    const r = reported(new InputError({ what: 'cannot read it', where: 'a.txt', cause: errno('ENFILE') }));
    expect([r.code, r.stderr.trim()]).toEqual([
      1,
      expect.stringMatching(/^error: system: too many files open \(ENFILE: .*system.*fs\.file-max/),
    ]);
    // Other system refusals stay bad input.
    expect(reported(new RecordingError({ what: 'x', cause: errno('EACCES') })).code).toBe(2);
  });

  it('a replay of more feeds at once than the limit allows exits 1, naming the limit', async () => {
    const one = join(dir, 'one.mcap');
    await writeRigRecording(one, { cameras: ['cam_a'], frames: 2, width: 32, height: 24 });
    const many = join(dir, 'many');
    mkdirSync(many);
    const names = Array.from({ length: 160 }, (_, k) => join(many, `cam${k}.mcap`));
    for (const n of names) linkSync(one, n);
    const r = spawnSync(
      'bash',
      [
        '-c',
        'ulimit -n 200 && exec "$0" "$@"',
        process.execPath,
        viperBin,
        'replay',
        ...names,
        '-o',
        join(dir, 'out'),
        '--detector',
        'none',
        '--feeds-at-once',
        '160',
        '--no-progress',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr.slice(0, 2000)).toBe(1);
    expect(r.stderr).toMatch(
      /^error: system: too many files open \(EMFILE: this process's open-files limit, 200\) .* — raise the open-files limit \(ulimit -n\), or replay fewer feeds at a time \(--feeds-at-once\)$/m,
    );
  });
});
