/**
 * LZ4 frame decoder (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) for MCAP's `lz4` chunks.
 * Written here, beside the encoder, because the decoder @mcap/support ships (@foxglove/wasm-lz4) keeps one
 * decompression context for the whole process and never resets it: after one damaged chunk every later lz4
 * chunk in the process fails too, so one bad feed would fail the good ones beside it (and a viewer tab every file
 * opened after it). Pure and stateless: each call decodes into its own buffer of the size MCAP declares.
 * Concatenated and skippable frames, linked or independent blocks, stored blocks, content size and all three
 * checksums (header, block, content) are read; a dictionary id or the legacy format is refused.
 */
import { FRAME_MAGIC, MIN_MATCH, xxh32 } from './lz4.ts';

const LEGACY_MAGIC = 0x184c2102;
/** Skippable frames: 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** LZ4's window: a linked block's matches reach at most this far back. */
const WINDOW = 65536;

export class Lz4FormatError extends Error {}

/** Decodes the frame(s) in `src`, whose content must be exactly `size` bytes. Throws Lz4FormatError otherwise. */
export function lz4DecompressFrame(src: Uint8Array, size: number): Uint8Array {
  // A sequence's one token byte copies at most 255 + 15 + 4 bytes per length byte: no input expands beyond about
  // 255 times (stored blocks, 1 time); a larger size is a damaged header, refused before it is allocated.
  if (size > src.length * 255 + 64) fail(`${src.length} bytes cannot hold the ${size} declared`);
  const out = new Uint8Array(size);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let ip = 0;
  let op = 0;
  const need = (n: number, what: string) => {
    if (ip + n > src.length) fail(`${what} cut short at byte ${ip} of ${src.length}`);
  };
  while (ip < src.length) {
    need(4, 'frame magic');
    const magic = view.getUint32(ip, true);
    ip += 4;
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(4, 'skippable frame size');
      const skip = view.getUint32(ip, true);
      ip += 4;
      need(skip, 'skippable frame');
      ip += skip;
      continue;
    }
    if (magic === LEGACY_MAGIC) fail('legacy LZ4 frame format is not supported');
    if (magic !== FRAME_MAGIC) fail(`bad frame magic 0x${magic.toString(16)} at byte ${ip - 4}`);

    need(2, 'frame descriptor');
    const descStart = ip;
    const flg = src[ip++] as number;
    const bd = src[ip++] as number;
    if (flg >> 6 !== 1) fail(`frame version ${flg >> 6} (only 1 exists)`);
    if (flg & 0x02 || bd & 0x8f) fail('reserved bits set in the frame descriptor');
    const independent = (flg & 0x20) !== 0;
    const blockChecksum = (flg & 0x10) !== 0;
    const hasContentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    if (flg & 0x01) fail('frame needs a dictionary (dictionary id set)');
    const sizeCode = (bd >> 4) & 7;
    if (sizeCode < 4) fail(`block maximum size code ${sizeCode} (4 to 7 exist)`);
    const blockMax = 1 << (8 + 2 * sizeCode);
    let contentSize = -1;
    if (hasContentSize) {
      need(8, 'content size');
      const big = view.getBigUint64(ip, true);
      ip += 8;
      if (big > BigInt(size - op)) fail(`frame declares ${big} bytes, more than the ${size - op} left`);
      // 0 stands for "unknown" in liblz4, which reads such frames whatever they hold.
      contentSize = big === 0n ? -1 : Number(big);
    }
    need(1, 'header checksum');
    const hc = src[ip++] as number;
    if (((xxh32(src.subarray(descStart, ip - 1), 0) >>> 8) & 0xff) !== hc)
      fail('frame header checksum mismatch');

    const frameStart = op;
    for (;;) {
      need(4, 'block size');
      const word = view.getUint32(ip, true);
      ip += 4;
      if (word === 0) break; // end mark
      const stored = (word & 0x80000000) !== 0;
      const n = word & 0x7fffffff;
      if (n > blockMax) fail(`block of ${n} bytes over the frame's ${blockMax}-byte maximum`);
      need(n, 'block');
      const block = src.subarray(ip, ip + n);
      ip += n;
      if (blockChecksum) {
        need(4, 'block checksum');
        if (view.getUint32(ip, true) !== xxh32(block, 0)) fail('block checksum mismatch');
        ip += 4;
      }
      if (stored) {
        if (op + n > size) fail(`content longer than the ${size} bytes declared`);
        out.set(block, op);
        op += n;
      } else {
        const blockStart = op;
        op = decodeBlock(block, out, op, independent ? op : Math.max(frameStart, op - WINDOW));
        if (op - blockStart > blockMax) fail(`block decodes to ${op - blockStart} bytes, over ${blockMax}`);
      }
    }
    if (contentChecksum) {
      need(4, 'content checksum');
      if (view.getUint32(ip, true) !== xxh32(out.subarray(frameStart, op), 0))
        fail('content checksum mismatch');
      ip += 4;
    }
    if (contentSize >= 0 && op - frameStart !== contentSize)
      fail(`frame declares ${contentSize} bytes and holds ${op - frameStart}`);
  }
  if (op !== size) fail(`content is ${op} bytes, ${size} declared`);
  return out;
}

/**
 * Decodes one compressed block into `out` at `op`; matches may reach back to `windowStart` (the block's own
 * start for independent blocks). Returns the new output position. Every length and offset is bounds-checked.
 */
function decodeBlock(src: Uint8Array, out: Uint8Array, op: number, windowStart: number): number {
  let ip = 0;
  const end = src.length;
  const cap = out.length;
  for (;;) {
    if (ip >= end) fail('block ends inside a sequence');
    const token = src[ip++] as number;
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= end) fail('literal length cut short');
        b = src[ip++] as number;
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > end) fail('literals run past the block');
    if (op + lit > cap) fail(`content longer than the ${cap} bytes declared`);
    if (lit < 32) for (let k = 0; k < lit; k++) out[op + k] = src[ip + k] as number;
    else out.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip === end) return op; // the last sequence has literals only
    if (ip + 2 > end) fail('match offset cut short');
    const offset = (src[ip] as number) | ((src[ip + 1] as number) << 8);
    ip += 2;
    if (offset === 0 || offset > op - windowStart) fail(`match offset ${offset} reaches before the window`);
    let len = (token & 15) + MIN_MATCH;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (ip >= end) fail('match length cut short');
        b = src[ip++] as number;
        len += b;
      } while (b === 255);
    }
    if (op + len > cap) fail(`content longer than the ${cap} bytes declared`);
    const from = op - offset;
    // Short or overlapping (a run: offset < length) matches byte by byte, forward.
    if (len >= 32 && offset >= len) out.copyWithin(op, from, from + len);
    else for (let k = 0; k < len; k++) out[op + k] = out[from + k] as number;
    op += len;
  }
}

function fail(message: string): never {
  throw new Lz4FormatError(message);
}
