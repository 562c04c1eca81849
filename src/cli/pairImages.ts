/**
 * `viper view <results> --images <recording>`: whether the recording is the one a results-only file was made from,
 * checked before anything is served (the viewer checks the same when both files are dropped on it).
 */
import { RecordingError } from '../contracts/errors.ts';
import { fingerprintTopics, parseFingerprint } from '../contracts/imagesFingerprint.ts';
import { isImageSchema } from '../contracts/schemaKinds.ts';
import { RecordingReader } from '../io/index.ts';
import { replayMetadata } from './interrupted.ts';

/** What `view` learnt of a file while checking it. */
export interface Viewable {
  startNs: bigint;
  endNs: bigint;
  hasImages: boolean;
}

const HINT = '--images takes the recording the results were made from';

/**
 * The results must have no images of their own (a `replay --results-only` file); the recording must have images
 * over the results' log times and, where the results carry their images' fingerprint (replay writes it since
 * results-only files could be paired again), give the same one. Which camera lends to which is the viewer's (by
 * name), as it is for two files dropped on it.
 */
export async function checkPair(
  path: string,
  results: Viewable,
  imagesPath: string,
  images: Viewable,
): Promise<void> {
  if (results.hasImages)
    throw new RecordingError({
      what: 'has camera images of its own',
      where: path,
      hint: '--images is for a results file written with `viper replay --results-only`; view this file alone',
    });
  if (!images.hasImages)
    throw new RecordingError({ what: 'no camera images', where: imagesPath, hint: HINT });
  if (images.endNs < results.startNs || images.startNs > results.endNs)
    throw new RecordingError({
      what: `log times ${sec(images.startNs)}–${sec(images.endNs)} s do not overlap the results' ${sec(results.startNs)}–${sec(results.endNs)} s`,
      where: imagesPath,
      hint: HINT,
    });
  const want = parseFingerprint(
    await withReader(path, async (r) => (await replayMetadata(r))?.imagesFingerprint),
  );
  if (want === undefined) return; // results written before the fingerprint: only the checks above
  const got = await withReader(imagesPath, recordingImagesFingerprint);
  const common = Object.keys(got).filter((t) => t in want);
  if (common.length === 0)
    throw new RecordingError({
      what: `none of its image topics (${Object.keys(got).join(', ')}) is one the results were made from (${Object.keys(want).join(', ')})`,
      where: imagesPath,
      hint: HINT,
    });
  const differ = common.filter((t) => got[t] !== want[t]);
  if (differ.length > 0)
    throw new RecordingError({
      what: `not the images the results were made from: ${differ.join(', ')} differ (fingerprint ${got[differ[0]!]}, the results' ${want[differ[0]!]})`,
      where: imagesPath,
      hint: `${HINT}: another scenario's recording has the same cameras and log times, not the same pictures`,
    });
}

/** The fingerprint of a recording's images per topic (contracts/imagesFingerprint.ts), read through its index. */
export function recordingImagesFingerprint(reader: RecordingReader): Promise<Record<string, string>> {
  const images = reader.channels().filter((c) => isImageSchema(c.schemaName));
  return fingerprintTopics(
    images.map((c) => c.topic),
    (topic) => reader.messages({ topics: [topic] }),
  );
}

async function withReader<T>(path: string, fn: (r: RecordingReader) => Promise<T>): Promise<T> {
  const reader = await RecordingReader.open(path);
  try {
    return await fn(reader);
  } finally {
    await reader.close();
  }
}

const sec = (ns: bigint) => (Number(ns) / 1e9).toFixed(3);
