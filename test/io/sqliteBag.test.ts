/** A rosbag2 SQLite bag (.db3) is named as one, with the conversion to MCAP; other non-MCAP files keep the old hint. */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingError } from '../../src/contracts/errors.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('sqlite');

/** The first bytes of an SQLite 3 database (its 100-byte header starts with the 16-byte magic). */
function sqliteFile(name: string): string {
  const p = join(dir, name);
  const page = Buffer.alloc(4096);
  page.write('SQLite format 3\0', 0, 'latin1');
  page.writeUInt16BE(4096, 16);
  writeFileSync(p, page);
  return p;
}

async function openError(path: string): Promise<RecordingError> {
  const err = await RecordingReader.open(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RecordingError);
  return err as RecordingError;
}

describe('a file that is not MCAP', () => {
  it('a rosbag2 .db3 bag: named, with ros2 bag convert to MCAP', async () => {
    const e = await openError(sqliteFile('talker_0.db3'));
    expect(e.what).toBe('a rosbag2 SQLite bag (.db3), not an MCAP file');
    expect(e.hint).toBe('Viper reads MCAP; convert it with `ros2 bag convert` (storage_id: mcap)');
  });

  it('any other file keeps the magic and says what to pass', async () => {
    const p = join(dir, 'other.db3');
    writeFileSync(p, 'SQLite format 2 but not really');
    const e = await openError(p);
    expect(e.what).toMatch(/^not an MCAP file \(starts with 53 51 4c 69 74 65 20 66\)$/);
    expect(e.hint).toMatch(/MCAP magic .*: pass an MCAP recording, or a rosbag2 folder holding one$/);
  });

  it('inspect, replay and eval say it on one line, exit 2', async () => {
    const p = sqliteFile('bag_0.db3');
    for (const args of [
      ['inspect', p],
      ['replay', p, '-o', join(dir, 'o.mcap'), '--detector', 'none'],
      ['eval', p, '--format', 'mcap'],
      // Without --format too: a file not named .mcap is sniffed, not read as MOTChallenge text.
      ['eval', p],
    ]) {
      // The first in a child (the real bin/viper.js), the others in-process.
      const r = args[0] === 'inspect' ? viper(args) : await viperInProcess(args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: recording: a rosbag2 SQLite bag \(\.db3\).*ros2 bag convert/);
    }
  });

  it('a rosbag2 folder: read as its one .mcap file, a split bag refused, a .db3 one said to need converting', async () => {
    const db3Folder = join(dir, 'db3-bag');
    mkdirSync(db3Folder);
    copyFileSync(sqliteFile('x_0.db3'), join(db3Folder, 'x_0.db3'));
    expect((await openError(db3Folder)).hint).toMatch(/rosbag2 SQLite bag \(\.db3\).*ros2 bag convert/);
    const mcapFolder = join(dir, 'mcap-bag');
    mkdirSync(mcapFolder);
    writeFileSync(join(mcapFolder, 'x_0.mcap'), '');
    // The file inside is what is read (and named): here an empty one.
    const inside = await openError(mcapFolder);
    expect([inside.what, inside.where]).toEqual(['empty file (0 bytes)', join(mcapFolder, 'x_0.mcap')]);
    writeFileSync(join(mcapFolder, 'x_1.mcap'), '');
    writeFileSync(join(mcapFolder, 'metadata.yaml'), '');
    const split = await openError(mcapFolder);
    expect(split.what).toBe('a split rosbag2 bag (2 MCAP files: x_0.mcap, x_1.mcap), not one recording');
    expect(split.hint).toMatch(/mcap merge/);
    const empty = join(dir, 'empty-folder');
    mkdirSync(empty);
    expect((await openError(empty)).what).toBe('is a directory, not an MCAP file');
    // The bag's metadata.yaml names its file: the one it lists is read, and a listed file missing is named.
    const listed = join(dir, 'listed-bag');
    mkdirSync(listed);
    writeFileSync(join(listed, 'a.mcap'), '');
    writeFileSync(join(listed, 'b.mcap'), '');
    const meta = (file: string) =>
      `rosbag2_bagfile_information:\n  version: 4\n  storage_identifier: mcap\n  relative_file_paths:\n  - ${file}\n`;
    writeFileSync(join(listed, 'metadata.yaml'), meta('b.mcap'));
    expect((await openError(listed)).where).toBe(join(listed, 'b.mcap'));
    writeFileSync(join(listed, 'metadata.yaml'), meta('talker.mcap'));
    const gone = await openError(listed);
    expect(gone.what).toBe("the rosbag2 bag's metadata.yaml lists talker.mcap, which is not in the folder");
    // A metadata.yaml that does not parse leaves the folder's own files to decide (two here: a split bag).
    writeFileSync(join(listed, 'metadata.yaml'), 'rosbag2_bagfile_information: [unclosed');
    expect((await openError(listed)).what).toMatch(/^a split rosbag2 bag/);
    // A listed file missing from a folder holding one storage file: that one, the bag's own renamed.
    writeFileSync(join(listed, 'metadata.yaml'), meta('talker.mcap'));
    rmSync(join(listed, 'a.mcap'));
    expect((await openError(listed)).where).toBe(join(listed, 'b.mcap'));
  });
});
