/**
 * Log times per channel from MCAP MessageIndex records (spec: opcode 0x07, then u64 record length, u16
 * channel_id, u32 byte length of the records array, then (u64 log_time, u64 offset) pairs, little endian).
 * These sit right after each chunk, so the viewer learns every frame's stamp by reading a few KB per chunk
 * instead of decompressing the file.
 */
import type { McapIndexedReader, McapTypes } from '@mcap/core';

const OP_MESSAGE_INDEX = 0x07;

/** Parse a chunk's message-index section; appends log times to `out` per channel id. */
export function parseMessageIndexes(bytes: Uint8Array, out: Map<number, bigint[]>): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  while (off + 9 <= bytes.byteLength) {
    const op = view.getUint8(off);
    const len = Number(view.getBigUint64(off + 1, true));
    const body = off + 9;
    if (body + len > bytes.byteLength)
      throw new Error(`message index record at byte ${off} overruns its section`);
    if (op === OP_MESSAGE_INDEX) {
      const channelId = view.getUint16(body, true);
      const arrLen = view.getUint32(body + 2, true);
      if (6 + arrLen > len || arrLen % 16 !== 0) throw new Error(`bad message index record at byte ${off}`);
      let list = out.get(channelId);
      if (!list) {
        list = [];
        out.set(channelId, list);
      }
      for (let p = body + 6; p < body + 6 + arrLen; p += 16) list.push(view.getBigUint64(p, true));
    }
    off = body + len;
  }
}

/** Sorted, de-duplicated log times per channel of `channelIds`, from the message indexes after each chunk. */
export async function readLogTimes(
  reader: McapIndexedReader,
  readable: McapTypes.IReadable,
  channelIds: Set<number>,
): Promise<Map<number, bigint[]>> {
  const out = new Map<number, bigint[]>();
  for (const ci of reader.chunkIndexes) {
    if (ci.messageIndexLength === 0n || ![...channelIds].some((id) => ci.messageIndexOffsets.has(id)))
      continue;
    const start = ci.chunkStartOffset + ci.chunkLength;
    parseMessageIndexes(await readable.read(start, ci.messageIndexLength), out);
  }
  const result = new Map<number, bigint[]>();
  for (const id of channelIds) {
    const times = (out.get(id) ?? []).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    result.set(
      id,
      times.filter((v, i) => i === 0 || v !== times[i - 1]),
    );
  }
  return result;
}
