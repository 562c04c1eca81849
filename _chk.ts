import { readFileSync, writeFileSync } from 'node:fs';
import { readAll, rng, writeSample } from './test/io/helpers.ts';
const origs: Buffer[] = [];
for (const c of ['zstd','lz4','none'] as const) { await writeSample(`/tmp/iochk/f-${c}.mcap`, { compression: c, frames: 10, imageBytes: 300, chunkSize: 1500 }); origs.push(readFileSync(`/tmp/iochk/f-${c}.mcap`)); }
const next = rng(20261129);
for (let i = 0; i < 240; i++) {
  const src = origs[i % 3]!;
  const op = Math.floor(next() * 3); const at = Math.floor(next() * src.length);
  if (op === 0) continue;
  const bytes = Uint8Array.from(src);
  if (op === 1) { bytes[at] ^= 1 << Math.floor(next() * 8); continue; }
  const n = 1 + Math.floor(next() * 16);
  for (let k = at; k < Math.min(bytes.length, at + n); k++) bytes[k] = Math.floor(next() * 256);
  if (at === 13213) {
    console.log('case', i, 'file', ['zstd','lz4','none'][i%3], 'size', src.length);
    writeFileSync('/tmp/iochk/bad.mcap', bytes);
    const { messages, reader } = await readAll('/tmp/iochk/bad.mcap');
    console.log(messages.length, reader.summary().indexed, reader.summary().messageCount);
    console.log('orig bytes', Buffer.from(src.subarray(at - 16, at + 24)).toString('hex'));
    console.log('bad  bytes', Buffer.from(bytes.subarray(at - 16, at + 24)).toString('hex'));
    break;
  }
}
