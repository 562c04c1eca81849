/**
 * `viper export results.mcap -o dir/`: the 2D tracks of a results file as MOTChallenge text, one file per camera
 * (`<camera>.txt`: frame, id, x, y, w, h, score, -1, -1, -1), so that results on real images can be scored against
 * hand labels (`viper eval dir/cam0.txt --gt gt.txt`) or compared with other trackers' files. Frame n is the n-th
 * frame of that camera that the replay tracked (its n-th annotations message): for a recording made by `viper
 * import`, the n-th image of the folder in name order, as labelling tools number them.
 */
import { join } from 'node:path';
import { InputError } from '../contracts/errors.ts';
import { cameraFromAnnotationsTopic, isImageSchema } from '../contracts/topics.ts';
import { annotationsToRows, trackRowsToMotRows, type TrackRow } from '../eval/index.ts';
import { RecordingReader, writeMotChallenge } from '../io/index.ts';
import { writeOutputFile } from '../io/outputFile.ts';

export interface ExportedCamera {
  camera: string;
  file: string;
  frames: number;
  trackBoxes: number;
  ids: number;
  /** Images of the camera's topic(s) in the file, when it carries them: more than `frames` means skipped frames. */
  images: number | null;
}

export async function exportMot(
  results: string,
  outDir: string,
  /** Called with the files about to be written, before any is (the CLI's output guards). */
  guard: (files: string[]) => void = () => {},
): Promise<ExportedCamera[]> {
  const reader = await RecordingReader.open(results);
  const rows = new Map<string, TrackRow[]>();
  const frames = new Map<string, number>();
  const images = new Map<string, number>();
  try {
    const channels = reader.channels();
    const annotated = channels.filter((c) => cameraFromAnnotationsTopic(c.topic) !== null);
    if (annotated.length === 0) {
      throw new InputError({
        what: 'no /perception/<camera>/annotations in this file: no tracks to export',
        where: results,
        hint: `replay it first: viper replay ${results} -o <results.mcap>`,
      });
    }
    const imageTopics = new Set(channels.filter((c) => isImageSchema(c.schemaName)).map((c) => c.topic));
    for await (const m of reader.messages()) {
      const cam = cameraFromAnnotationsTopic(m.channel.topic);
      if (cam === null) {
        if (imageTopics.has(m.channel.topic)) {
          const id = imageCamera(m.channel.topic, annotated);
          if (id !== undefined) images.set(id, (images.get(id) ?? 0) + 1);
        }
        continue;
      }
      const frame = (frames.get(cam) ?? 0) + 1;
      frames.set(cam, frame);
      const where = `${results} ${m.channel.topic} @ ${m.logTimeNs}`;
      const r = annotationsToRows(reader.decode(m), cam, where);
      const list = rows.get(cam) ?? [];
      for (const row of r.rows) list.push({ ...row, frame });
      rows.set(cam, list);
    }
  } finally {
    await reader.close();
  }
  const out: ExportedCamera[] = [];
  const cams = [...frames.keys()].sort();
  const fileOf = (cam: string) => join(outDir, `${cam.replace(/[^\w.-]+/g, '_')}.txt`);
  guard(cams.map(fileOf));
  for (const cam of cams) {
    const list = rows.get(cam) ?? [];
    const file = fileOf(cam);
    await writeOutputFile(file, writeMotChallenge(trackRowsToMotRows(list)), '-o');
    out.push({
      camera: cam,
      file,
      frames: frames.get(cam)!,
      trackBoxes: list.length,
      ids: new Set(list.map((r) => r.id)).size,
      images: images.get(cam) ?? null,
    });
  }
  return out;
}

/** The camera of an image topic, when its name is that camera's (`/cam0/image` for `/perception/cam0/annotations`). */
function imageCamera(topic: string, annotated: readonly { topic: string }[]): string | undefined {
  for (const a of annotated) {
    const cam = cameraFromAnnotationsTopic(a.topic)!;
    if (topic === `/${cam}/image` || topic.startsWith(`/${cam}/`)) return cam;
  }
  return undefined;
}
