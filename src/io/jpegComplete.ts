/**
 * A JPEG cut short (a copy interrupted, a camera's partial write) still has a readable header, so checks that read
 * only the header pass it and it fails later, in replay. Its end-of-image marker (FF D9) belongs near the end;
 * when it is not there (a phone's motion photo appends a video after it), the image is decoded whole to decide.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import sharp from 'sharp';
import { RecordingError } from '../contracts/errors.ts';

/** How far from the end of a JPEG its end-of-image marker is looked for before decoding the whole image. */
const TAIL_BYTES = 4096;

export async function checkJpegComplete(path: string): Promise<void> {
  const fd = openSync(path, 'r');
  const tail = new Uint8Array(TAIL_BYTES);
  let n: number;
  try {
    const size = fstatSync(fd).size;
    n = readSync(fd, tail, 0, Math.min(size, TAIL_BYTES), Math.max(0, size - TAIL_BYTES));
  } finally {
    closeSync(fd);
  }
  for (let i = n - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return;
  try {
    await sharp(path, { failOn: 'truncated' }).raw().toBuffer();
  } catch {
    throw new RecordingError({
      what: 'truncated JPEG: no end-of-image marker (FF D9), and it does not decode',
      where: path,
      hint: 'the file was cut short: copy or export it again',
    });
  }
}
