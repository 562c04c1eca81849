/**
 * Random-access sources for McapIndexedReader: a local File (drag and drop, file picker) read with Blob.slice,
 * or a URL read with HTTP Range requests (what `viper view` serves). Neither loads the whole file.
 */
import type { McapTypes } from '@mcap/core';

export class BlobReadable implements McapTypes.IReadable {
  constructor(private readonly blob: Blob) {}
  async size(): Promise<bigint> {
    return BigInt(this.blob.size);
  }
  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    const start = Number(offset);
    const buf = await this.blob.slice(start, start + Number(size)).arrayBuffer();
    return new Uint8Array(buf);
  }
}

export class HttpReadable implements McapTypes.IReadable {
  private total: bigint | undefined;
  /** Bytes fetched so far (for the status line and tests: proves the file is not downloaded whole). */
  bytesRead = 0;

  constructor(private readonly url: string) {}

  async size(): Promise<bigint> {
    if (this.total !== undefined) return this.total;
    const res = await fetch(this.url, { method: 'HEAD' });
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${this.url}`);
    const len = res.headers.get('content-length');
    if (len === null) throw new Error(`no Content-Length for ${this.url}`);
    if (res.headers.get('accept-ranges') !== 'bytes')
      throw new Error(`${this.url} is not served with Range support`);
    this.total = BigInt(len);
    return this.total;
  }

  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    if (size === 0n) return new Uint8Array(0);
    const end = offset + size - 1n;
    const res = await fetch(this.url, { headers: { Range: `bytes=${offset}-${end}` } });
    if (res.status !== 206) throw new Error(`HTTP ${res.status} for range ${offset}-${end} of ${this.url}`);
    const buf = new Uint8Array(await res.arrayBuffer());
    if (BigInt(buf.byteLength) !== size)
      throw new Error(`short read at ${offset}: ${buf.byteLength} of ${size} bytes`);
    this.bytesRead += buf.byteLength;
    return buf;
  }
}
