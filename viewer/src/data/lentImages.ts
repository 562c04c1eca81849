/**
 * A results file written with `replay --results-only` opened with the recording it was made from: the results'
 * cameras without images take theirs from the recording (same camera names), which must cover the same log times
 * and, where the results carry it, give their images' fingerprint (src/contracts/imagesFingerprint.ts).
 */
import type { McapIndexedReader, McapTypes } from '@mcap/core';
import { fingerprintTopics, parseFingerprint } from '../../../src/contracts/imagesFingerprint.ts';
import { cameraFromAnnotationsTopic } from '../../../src/contracts/topics.ts';
import { openIndexed, topicsOf } from '../mcap/openIndexed.ts';
import { findCameras, nameByFrameId } from './cameraNames.ts';
import type { CameraInfo } from './Recording.ts';

/**
 * Give each camera of `name` that has no images the image topic of the camera of the same name in the recording
 * `images`; refused when `name` has images of its own (nothing to lend them to) or `images` has none of its cameras.
 */
export async function borrowImages(
  name: string,
  resultsTopics: Map<string, McapTypes.Channel>,
  cameras: CameraInfo[],
  images: { source: McapTypes.IReadable; name: string },
): Promise<{ reader: McapIndexedReader; name: string }> {
  const imageless = cameras.filter((c) => c.imageTopic === null);
  if (imageless.length === 0)
    throw new Error(
      `${name} has images of its own: images from another file are for a results file written with --results-only`,
    );
  const { reader } = await openIndexed(images.source, images.name);
  const byTopic = topicsOf(reader);
  const theirs = findCameras(reader, byTopic);
  // Named as replay named them: by their images' frame_id where the results hold annotations under that name
  // (`/camera/image_raw` with frame_id `camera_optical` → camera_optical), which only the results' topics tell.
  const annotated = [...resultsTopics].filter(([t]) => cameraFromAnnotationsTopic(t) !== null);
  await nameByFrameId(reader, theirs, new Map([...byTopic, ...annotated]));
  let lent = 0;
  for (const cam of imageless) {
    const match = theirs.find((c) => c.id === cam.id);
    if (!match) continue;
    cam.imageTopic = match.imageTopic;
    cam.imageFromBeside = true;
    lent++;
  }
  if (lent === 0)
    throw new Error(
      `${images.name} has no images of ${name}'s cameras (${imageless.map((c) => c.id).join(', ')}${
        theirs.length ? `; it has ${theirs.map((c) => c.id).join(', ')}` : '; it has no images at all'
      }): open the results with the recording they were made from`,
    );
  return { reader, name: images.name };
}

/**
 * The lent images must be those the results were made from: each lent topic's fingerprint as the results record
 * it (replay writes it with --results-only). Results without the record are taken on their cameras and times.
 */
export async function checkPictures(
  beside: { reader: McapIndexedReader; name: string },
  results: McapIndexedReader,
  cameras: CameraInfo[],
  name: string,
): Promise<void> {
  const want = parseFingerprint(await viperRecord(results, 'imagesFingerprint'));
  if (want === undefined) return;
  const lent = cameras.filter((c) => c.imageFromBeside && c.imageTopic !== null);
  const got = await fingerprintTopics(
    lent.map((c) => c.imageTopic!),
    (topic) => logTimed(beside.reader.readMessages({ topics: [topic] })),
  );
  const wrong = lent.filter((c) => got[c.imageTopic!] !== want[c.imageTopic!]);
  if (wrong.length > 0)
    throw new Error(
      `${beside.name} is not the recording ${name} was made from: the images of ${wrong.map((c) => c.id).join(', ')} differ from those the results were made from (fingerprint ${got[wrong[0]!.imageTopic!]}, the results' ${want[wrong[0]!.imageTopic!] ?? 'none for that topic'})`,
    );
}

/** A value of the file's `viper` metadata record (written by replay); undefined when absent or unreadable. */
export async function viperRecord(reader: McapIndexedReader, key: string): Promise<string | undefined> {
  if (!reader.metadataIndexes.some((m) => m.name === 'viper')) return undefined;
  try {
    for await (const m of reader.readMetadata({ name: 'viper' })) {
      const v = m.metadata.get(key);
      if (v !== undefined) return v;
    }
  } catch {
    // unreadable metadata: not known
  }
  return undefined;
}

/** A file's messages as the shared fingerprint reads them (`logTime` is @mcap/core's name for it). */
async function* logTimed(
  msgs: AsyncIterable<McapTypes.Message>,
): AsyncGenerator<{ logTimeNs: bigint; data: Uint8Array }> {
  for await (const m of msgs) yield { logTimeNs: m.logTime, data: m.data };
}

/** The recording beside a results file must cover the results' log times: another one would pair wrong images. */
export function checkSpan(
  beside: { reader: McapIndexedReader; name: string },
  frameTimes: bigint[],
  name: string,
): void {
  const stats = beside.reader.statistics;
  if (!stats || stats.messageCount === 0n) return; // no statistics: nothing to check against
  const first = frameTimes[0]!;
  const last = frameTimes[frameTimes.length - 1]!;
  if (stats.messageEndTime < first || stats.messageStartTime > last)
    throw new Error(
      `${beside.name} (log time ${seconds(stats.messageStartTime)}–${seconds(stats.messageEndTime)} s) does not overlap ${name} (${seconds(first)}–${seconds(last)} s): not the recording these results were made from`,
    );
}

function seconds(ns: bigint): string {
  return (Number(ns) / 1e9).toFixed(3);
}
