/**
 * The image files of an imported frame folder: format and upright size from each header (sharp reads no more of
 * a file than that), every file checked before anything is written.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import sharp from 'sharp';
import { RecordingError } from '../contracts/errors.ts';
import { checkJpegComplete } from '../io/jpegComplete.ts';

/** Headers read at once by the up-front check (sharp reads them on its thread pool). */
const CHECK_BATCH = 16;

/**
 * Every frame's header before anything is written: each file readable, not empty, JPEG or PNG, and the size of
 * the first. The first failure in name order is thrown, with the same words the writing pass would use.
 */
export async function checkFrames(paths: readonly string[]): Promise<void> {
  let size: { width: number; height: number } | undefined;
  for (let i = 0; i < paths.length; i += CHECK_BATCH) {
    const batch = paths.slice(i, i + CHECK_BATCH);
    const metas = await Promise.allSettled(batch.map((p) => fileMeta(p)));
    for (const [j, r] of metas.entries()) {
      if (r.status === 'rejected') throw r.reason;
      size ??= r.value;
      checkSize(r.value, size, batch[j] as string);
    }
  }
}

/** `imageMeta` of a file from its header alone (sharp reads no more of the file than the header). */
async function fileMeta(where: string): Promise<ImageMeta> {
  let bytes: number;
  try {
    const fd = openSync(where, 'r');
    try {
      bytes = fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new RecordingError({ what: `cannot read the file: ${(err as Error).message}`, where });
  }
  if (bytes === 0) throw new RecordingError({ what: 'empty file (0 bytes)', where });
  const meta = await imageMeta(where, where);
  if (meta.format === 'jpeg') await checkJpegComplete(where);
  return meta;
}

export function checkSize(
  meta: { width: number; height: number },
  first: { width: number; height: number },
  where: string,
): void {
  if (meta.width !== first.width || meta.height !== first.height) {
    throw new RecordingError({
      what: `image is ${meta.width}×${meta.height}, the sequence is ${first.width}×${first.height}`,
      where,
      hint: 'all frames of one camera must have the same size',
    });
  }
}

interface ImageMeta {
  format: 'jpeg' | 'png';
  /** Upright: as the EXIF orientation turns the stored pixels (swapped for orientations 5–8). */
  width: number;
  height: number;
  /** EXIF orientation, 1 (upright) when absent. */
  orientation: number;
}

/**
 * Format and size from the header of the bytes or of the file at a path; an empty file, non-image bytes or a
 * format other than JPEG/PNG is refused.
 */
export async function imageMeta(data: Uint8Array | string, where: string): Promise<ImageMeta> {
  // sharp throws synchronously on an empty buffer, so the check comes first.
  if (typeof data !== 'string' && data.length === 0)
    throw new RecordingError({ what: 'empty file (0 bytes)', where });
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(data).metadata();
  } catch (err) {
    throw new RecordingError({ what: `cannot read image: ${(err as Error).message}`, where });
  }
  if (meta.format !== 'jpeg' && meta.format !== 'png') {
    throw new RecordingError({
      what: `${meta.format ?? 'unknown'} bytes, not JPEG or PNG`,
      where,
      hint: 'convert it to JPEG or PNG (replay decodes only those)',
    });
  }
  if (!meta.width || !meta.height) throw new RecordingError({ what: 'image has no size', where });
  const orientation = meta.orientation ?? 1;
  const turned = orientation >= 5;
  return {
    format: meta.format,
    width: turned ? meta.height : meta.width,
    height: turned ? meta.width : meta.height,
    orientation,
  };
}
