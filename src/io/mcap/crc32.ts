/**
 * CRC-32 (IEEE 802.3, reflected, as MCAP uses): Node's native zlib.crc32 where present, else slicing-by-8 (eight
 * table lookups per 8 bytes). `crc32Combine` joins the CRCs of two adjacent byte ranges without reading them
 * again, so the writer's data-section CRC need not pass over chunk bytes it has already CRC'd.
 */
import * as zlib from 'node:zlib';

const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** Node's native zlib.crc32 (Node ≥ 20.15), many times faster; the table version is the fallback. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`; pass the CRC of the bytes before it as `prev` to continue a running CRC. */
export function crc32(data: Uint8Array, prev = 0): number {
  // zlib.crc32 answers 0 for empty input whatever `prev` is.
  if (data.length === 0) return prev >>> 0;
  return nativeCrc32 ? nativeCrc32(data, prev) >>> 0 : crc32Table(data, prev);
}

const POLY = 0xedb88320;

/** (a · b) mod P over GF(2), bit-reflected (zlib's multmodp). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N = (() => {
  const t = new Uint32Array(32);
  let p = 0x40000000; // x^1
  t[0] = p;
  for (let k = 1; k < 32; k++) {
    p = multModP(p, p);
    t[k] = p;
  }
  return t;
})();

/**
 * CRC-32 of A‖B from crc(A), crc(B) and B's length, in O(log len) (zlib's crc32_combine). Lets the writer reuse
 * a chunk's CRC for the data-section CRC instead of reading the chunk's bytes twice.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  let p = 0x80000000; // x^0
  let n = lengthB;
  let k = 3; // bytes → bits: x^(8n) = x^(2^3 · n)
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k & 31] as number, p);
    n = Math.floor(n / 2);
    k++;
  }
  return (multModP(p, crcA >>> 0) ^ crcB) >>> 0;
}

function crc32Table(data: Uint8Array, prev: number): number {
  const t = TABLES;
  let c = (prev ^ 0xffffffff) >>> 0;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const a =
      (c ^
        ((data[i] as number) |
          ((data[i + 1] as number) << 8) |
          ((data[i + 2] as number) << 16) |
          ((data[i + 3] as number) << 24))) >>>
      0;
    c =
      (t[1792 + (a & 0xff)] as number) ^
      (t[1536 + ((a >>> 8) & 0xff)] as number) ^
      (t[1280 + ((a >>> 16) & 0xff)] as number) ^
      (t[1024 + (a >>> 24)] as number) ^
      (t[768 + (data[i + 4] as number)] as number) ^
      (t[512 + (data[i + 5] as number)] as number) ^
      (t[256 + (data[i + 6] as number)] as number) ^
      (t[data[i + 7] as number] as number);
  }
  for (; i < n; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
