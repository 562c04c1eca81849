import type { FileHandle } from 'node:fs/promises';

/** Default read-ahead: one syscall serves many small records (unchunked files) without buffering the file. */
const WINDOW_BYTES = 1 << 20;

/**
 * Bounded random-access reads over a file handle with a read-ahead window, so a streaming pass over a multi-GB
 * file keeps at most max(window, largest record) bytes in memory.
 */
export class FileWindow {
  readonly #fh: FileHandle;
  readonly size: number;
  #start = 0;
  #buf: Uint8Array = new Uint8Array(0);

  constructor(fh: FileHandle, size: number) {
    this.#fh = fh;
    this.size = size;
  }

  /** Bytes [offset, offset + length), clamped to the file end. The view may be reused by the next call. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (offset >= this.#start && end <= this.#start + this.#buf.length) {
      return this.#buf.subarray(offset - this.#start, end - this.#start);
    }
    const want = Math.min(this.size - offset, Math.max(end - offset, WINDOW_BYTES));
    const buf = new Uint8Array(Math.max(0, want));
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.#fh.read(buf, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.#start = offset;
    this.#buf = buf.subarray(0, got);
    return this.#buf.subarray(0, Math.min(got, end - offset));
  }
}
