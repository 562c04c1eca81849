/**
 * Why a file that McapIndexedReader refused cannot be read, in one line as `viper view` says it (empty,
 * truncated, not an MCAP file), instead of the library's text ("Offset is outside the bounds of the DataView",
 * "Expected MCAP magic …"). Looks only at the size and the first and last 8 bytes.
 */
import type { McapTypes } from '@mcap/core';

const MAGIC = [0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a];
const hex = (b: ArrayLike<number>) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
const isMagic = (b: Uint8Array, n = MAGIC.length) =>
  b.length >= n && MAGIC.slice(0, n).every((m, i) => b[i] === m);

/** The reason, or null when the file starts and ends with the MCAP magic (the reader's own message says more). */
export async function badFileReason(readable: McapTypes.IReadable, name: string): Promise<string | null> {
  try {
    const size = await readable.size();
    if (size === 0n) return `${name} is empty (0 bytes): the writer produced nothing; re-record it`;
    const len = size < 8n ? size : 8n;
    const head = await readable.read(0n, len);
    if (!isMagic(head, Number(len)))
      return `${name} is not an MCAP file (starts with ${hex(head)}): expected the MCAP magic ${hex(MAGIC)}`;
    if (size < 8n)
      return `${name} is truncated: the file is ${size} bytes, cut inside the MCAP magic it starts with; nothing in it can be read`;
    if (isMagic(await readable.read(size - 8n, 8n))) return null;
    return `${name} is truncated (it does not end with the MCAP magic: the writer stopped before close, or the copy was cut short): \`viper replay ${name} -o <new.mcap> --recover --detector none\` copies its intact messages into a new file`;
  } catch {
    return null;
  }
}
