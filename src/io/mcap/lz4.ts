/**
 * LZ4 frame encoder (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), because the npm LZ4 that
 * @mcap/support ships (@foxglove/wasm-lz4) only decompresses. MCAP's `lz4` chunk compression is the frame
 * format. Greedy single-probe hash matcher (like LZ4's fast mode): deterministic, pure, no allocation per byte.
 */

export const FRAME_MAGIC = 0x184d2204;
/** Block maximum size 4 MiB (BD byte 0x70). */
const BLOCK_MAX = 4 * 1024 * 1024;
export const MIN_MATCH = 4;
/** The last match must start at least 12 bytes before the block end, the last 5 bytes are literals. */
const MF_LIMIT = 12;
const LAST_LITERALS = 5;
const HASH_BITS = 16;
const MAX_OFFSET = 65535;

/** Compresses `input` into one LZ4 frame (independent blocks, no checksums, no content size). */
export function lz4CompressFrame(input: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(7);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, FRAME_MAGIC, true);
  header[4] = 0x60; // version 01, independent blocks
  header[5] = 0x70; // block max size 4 MiB
  header[6] = (xxh32(header.subarray(4, 6), 0) >>> 8) & 0xff;
  parts.push(header);
  const table = new Int32Array(1 << HASH_BITS);
  for (let start = 0; start < input.length; start += BLOCK_MAX) {
    const block = input.subarray(start, Math.min(input.length, start + BLOCK_MAX));
    const compressed = lz4CompressBlock(block, table);
    const size = new Uint8Array(4);
    const sv = new DataView(size.buffer);
    if (compressed.length < block.length) {
      sv.setUint32(0, compressed.length, true);
      parts.push(size, compressed);
    } else {
      sv.setUint32(0, (block.length | 0x80000000) >>> 0, true); // stored uncompressed
      parts.push(size, block);
    }
  }
  parts.push(new Uint8Array(4)); // end mark
  return concat(parts);
}

/** Compresses one LZ4 block. `table` is scratch (reset here) so frames reuse it. */
export function lz4CompressBlock(
  src: Uint8Array,
  table: Int32Array = new Int32Array(1 << HASH_BITS),
): Uint8Array {
  const n = src.length;
  // Worst case: literals + one length byte per 255 + token + slack.
  const out = new Uint8Array(n + Math.ceil(n / 255) + 16);
  let op = 0;
  let anchor = 0;
  table.fill(-1);
  const matchLimit = n - MF_LIMIT;
  let ip = 0;
  while (ip < matchLimit) {
    const seq = read32(src, ip);
    const h = hash(seq);
    const ref = table[h] as number;
    table[h] = ip;
    if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
      ip++;
      continue;
    }
    // Extend the match forward, stopping LAST_LITERALS before the end.
    let len = MIN_MATCH;
    const maxLen = n - LAST_LITERALS - ip;
    while (len < maxLen && src[ip + len] === src[ref + len]) len++;
    op = writeSequence(out, op, src, anchor, ip - anchor, ip - ref, len);
    ip += len;
    anchor = ip;
  }
  // Final literals-only sequence.
  const litLen = n - anchor;
  op = writeLength(out, op, litLen, 0, true);
  out.set(src.subarray(anchor, n), op);
  op += litLen;
  return out.subarray(0, op);
}

function writeSequence(
  out: Uint8Array,
  op: number,
  src: Uint8Array,
  litStart: number,
  litLen: number,
  offset: number,
  matchLen: number,
): number {
  const m = matchLen - MIN_MATCH;
  let p = writeLength(out, op, litLen, m, false);
  out.set(src.subarray(litStart, litStart + litLen), p);
  p += litLen;
  out[p++] = offset & 0xff;
  out[p++] = offset >>> 8;
  if (m >= 15) {
    let rest = m - 15;
    while (rest >= 255) {
      out[p++] = 255;
      rest -= 255;
    }
    out[p++] = rest;
  }
  return p;
}

/** Writes the token (literal length nibble + match nibble) and the literal length's extra bytes. */
function writeLength(out: Uint8Array, op: number, litLen: number, m: number, last: boolean): number {
  let p = op;
  const litNibble = Math.min(litLen, 15);
  const matchNibble = last ? 0 : Math.min(m, 15);
  out[p++] = (litNibble << 4) | matchNibble;
  if (litLen >= 15) {
    let rest = litLen - 15;
    while (rest >= 255) {
      out[p++] = 255;
      rest -= 255;
    }
    out[p++] = rest;
  }
  return p;
}

function read32(b: Uint8Array, i: number): number {
  return (
    ((b[i] as number) |
      ((b[i + 1] as number) << 8) |
      ((b[i + 2] as number) << 16) |
      ((b[i + 3] as number) << 24)) >>>
    0
  );
}

function hash(seq: number): number {
  return Math.imul(seq, 2654435761) >>> (32 - HASH_BITS);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const P1 = 2654435761;
const P2 = 2246822519;
const P3 = 3266489917;
const P4 = 668265263;
const P5 = 374761393;

/** xxHash32: the LZ4 frame's header, block and content checksums (the encoder writes only the header's). */
export function xxh32(data: Uint8Array, seed: number): number {
  let i = 0;
  const n = data.length;
  let h: number;
  if (n >= 16) {
    let v1 = (seed + P1 + P2) >>> 0;
    let v2 = (seed + P2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - P1) >>> 0;
    while (i <= n - 16) {
      v1 = round(v1, read32(data, i));
      v2 = round(v2, read32(data, i + 4));
      v3 = round(v3, read32(data, i + 8));
      v4 = round(v4, read32(data, i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (seed + P5) >>> 0;
  }
  h = (h + n) >>> 0;
  while (i <= n - 4) {
    h = Math.imul(rotl((h + Math.imul(read32(data, i), P3)) >>> 0, 17), P4) >>> 0;
    i += 4;
  }
  while (i < n) {
    h = Math.imul(rotl((h + Math.imul(data[i] as number, P5)) >>> 0, 11), P1) >>> 0;
    i++;
  }
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function round(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, P2)) >>> 0, 13), P1) >>> 0;
}

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}
