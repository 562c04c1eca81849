/**
 * `replay --recover` of a file whose channels survive the damage but none of its messages: nothing was replayed,
 * so it is bad input (exit 2, one line), not a success with an empty copy; the copy written is still finalized.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapStreamReader, McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { loadDecompressHandlers } from '@mcap/support';
import { expect, it } from 'vitest';
import { RecordingReader } from '../../src/io/index.ts';
import { viper } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-recover-nothing-'));

/** The recording without chunks or indexes: its records one after another, so a cut can fall between them. */
async function flatCopy(src: string, out: string): Promise<Buffer> {
  const reader = new McapStreamReader({ decompressHandlers: await loadDecompressHandlers() });
  reader.append(readFileSync(src));
  const fh = await open(out, 'w');
  const w = new McapWriter({
    writable: new FileHandleWritable(fh),
    useChunks: false,
    useStatistics: false,
    useSummaryOffsets: false,
    useChunkIndex: false,
    useMessageIndex: false,
  });
  await w.start({ profile: '', library: 'test' });
  const schemas = new Map<number, number>();
  const channels = new Map<number, number>();
  for (let r = reader.nextRecord(); r; r = reader.nextRecord()) {
    if (r.type === 'Schema') schemas.set(r.id, await w.registerSchema(r));
    else if (r.type === 'Channel')
      channels.set(r.id, await w.registerChannel({ ...r, schemaId: schemas.get(r.schemaId)! }));
    else if (r.type === 'Message') await w.addMessage({ ...r, channelId: channels.get(r.channelId)! });
  }
  await w.end();
  await fh.close();
  return readFileSync(out);
}

it('a file whose damage leaves channels and no message exits 2, its copy finalized', async () => {
  const good = join(dir, 'good.mcap');
  await writeRigRecording(good, { frames: 4, width: 96, height: 64 });
  const flat = await flatCopy(good, join(dir, 'flat.mcap'));
  // The first cut that leaves a channel and no message.
  const cutFile = join(dir, 'cut.mcap');
  let found = false;
  for (let n = 50; n < flat.length && !found; n += 25) {
    writeFileSync(cutFile, flat.subarray(0, n));
    const r = await RecordingReader.open(cutFile, { recover: true });
    let messages = 0;
    for await (const _ of r.messages()) messages++;
    found = r.channels().length > 0 && messages === 0;
    await r.close();
  }
  expect(found).toBe(true);
  const out = join(dir, 'out.mcap');
  const r = viper(['replay', cutFile, '-o', out, '--recover', '--detector', 'none', '--no-progress']);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(
      /^error: recording: nothing intact to replay before the damage \(.*\) \(.*cut\.mcap\)/,
    ),
  ]);
  const copy = await RecordingReader.open(out);
  expect(copy.summary().indexed).toBe(true);
  await copy.close();
});
