/**
 * writeOutputFile replaces a file by a rename (a full disk leaves the earlier file whole: test/cli/outputWrites),
 * and keeps what a rename would lose: a link stays a link (its target is written), the file keeps its mode, and a
 * device, or a file in a folder this process cannot write, is written in place.
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOutputFile } from '../../src/io/outputFile.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-output-file-'));
const asRoot = process.getuid?.() === 0;

describe('writeOutputFile', () => {
  it('writes a new file, and replaces an old one leaving nothing beside it', async () => {
    const f = join(dir, 'new', 'a.txt');
    await writeOutputFile(f, 'one', '-o');
    await writeOutputFile(f, 'two', '-o');
    expect(readFileSync(f, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'new'))).toEqual(['a.txt']);
  });

  it('writes through a symbolic link, which stays one, and keeps the file’s mode', async () => {
    const target = join(dir, 'target.json');
    const link = join(dir, 'link.json');
    writeFileSync(target, 'old');
    chmodSync(target, 0o600);
    symlinkSync(target, link);
    await writeOutputFile(link, 'new', '--write-schema');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it('writes a device in place, also through a link (a redirected /dev/stdout is one)', async () => {
    await writeOutputFile('/dev/null', 'x', '-o');
    const link = join(dir, 'null-link');
    symlinkSync('/dev/null', link);
    await writeOutputFile(link, 'x', '-o');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it.skipIf(asRoot)('writes in place a writable file in a folder this process cannot write', async () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    const f = join(ro, 'a.txt');
    writeFileSync(f, 'old');
    chmodSync(f, 0o666);
    chmodSync(ro, 0o555);
    await writeOutputFile(f, 'new', '-o');
    expect(readFileSync(f, 'utf8')).toBe('new');
    chmodSync(ro, 0o755);
  });
});
