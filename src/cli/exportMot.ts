/**
 * `viper export results.mcap -o dir/`: the 2D tracks of a results file as MOTChallenge text, one file per camera
 * (`<camera>.txt`: frame, id, x, y, w, h, score, -1, -1, -1), so that results on real images can be scored against
 * hand labels (`viper eval dir/cam0.txt --gt gt.txt`) or compared with other trackers' files. Frame n is the n-th
 * frame of that camera that the replay tracked (its n-th annotations message): for a recording made by `viper
 * import`, the n-th image of the folder in name order, as labelling tools number them.
 *
 * Results that carry ground truth (a simulated or imported recording's, passed through by replay) also get it as
 * MOTChallenge ground truth, `gt/<camera>.txt` (frame, id, x, y, w, h, 1, 1, visibility; frames numbered as the
 * tracks', ids numbered in order of first appearance; every row MOTChallenge's class 1, a target, since its other
 * class numbers mean distractors or other classes to its tools, as Viper's scoring is class-agnostic), with the boxes the scenario
 * suite scores (visible at least `DEFAULT_SCORE.minVisibility`), so other tools (TrackEval) score the same rows:
 * `viper eval dir/cam.txt --gt dir/gt/cam.txt --min-height 8` gives that camera's suite figures (with ground truth
 * at key frames only, `dir/cam.keyframes.txt`, the tracks at those frames, in place of `dir/cam.txt`). A `gt/`
 * file an earlier export left for a camera these results have no ground truth for is removed, and listed.
 *
 * `dir/gt/` is also where MOTChallenge keeps hand labels, so the guard is given both the files about to be
 * written and those about to be removed: the CLI refuses to touch any that exist unless told to (`--force`).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../contracts/errors.ts';
import { type GroundTruthMessage, parseGroundTruth } from '../contracts/perception.ts';
import { isImageSchema } from '../contracts/schemaKinds.ts';
import { cameraFromAnnotationsTopic, topics } from '../contracts/topics.ts';
import { annotationsToRows, type MotRow, trackRowsToMotRows, type TrackRow } from '../eval/index.ts';
import { DEFAULT_SCORE } from '../eval/scenarios/index.ts';
import { RecordingReader, writeMotChallenge } from '../io/index.ts';
import { writeOutputFile } from '../io/outputFile.ts';

interface ExportedCamera {
  camera: string;
  file: string;
  frames: number;
  trackBoxes: number;
  ids: number;
  /** Images of the camera's topic(s) in the file, when it carries them: more than `frames` means skipped frames. */
  images: number | null;
  /**
   * Its ground truth, when the results carry some; with ground truth at key frames only, `keyFrameTracks` holds
   * the tracks at those frames (score that file against it: the others are not annotated).
   */
  groundTruth?: { file: string; boxes: number; ids: number; keyFrameTracks?: string };
  /** Files an earlier export left for this camera that these results do not have (stale ground truth), removed. */
  removed?: string[];
}

export async function exportMot(
  results: string,
  outDir: string,
  /**
   * Called with the files about to be written and those about to be removed (stale ones an earlier export
   * left), before any is touched (the CLI's output guards).
   */
  guard: (files: string[], removes: string[]) => void = () => {},
): Promise<ExportedCamera[]> {
  const reader = await RecordingReader.open(results);
  const rows = new Map<string, TrackRow[]>();
  const frames = new Map<string, number>();
  const images = new Map<string, number>();
  /** Per camera, the stamp of each tracked frame, in frame order; and the ground truth at each stamp. */
  const stamps = new Map<string, bigint[]>();
  const gtAt = new Map<bigint, GroundTruthMessage>();
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
      if (m.channel.topic === topics.groundTruthObjects) {
        gtAt.set(
          m.logTimeNs,
          parseGroundTruth(reader.decode(m), `${results} ${m.channel.topic} @ ${m.logTimeNs}`),
        );
        continue;
      }
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
      const camStamps = stamps.get(cam) ?? [];
      camStamps.push(m.logTimeNs);
      stamps.set(cam, camStamps);
      const where = `${results} ${m.channel.topic} @ ${m.logTimeNs}`;
      const r = annotationsToRows(reader.decode(m), cam, where);
      const list = rows.get(cam) ?? [];
      for (const row of r.rows) list.push({ ...row, frame });
      rows.set(cam, list);
    }
    // A results-only file counted the images it left out (its metadata): the frame-numbering check still holds.
    for (const [topic, n] of Object.entries(await imagesLeftOut(reader))) {
      const id = imageCamera(topic, annotated);
      if (id !== undefined) images.set(id, (images.get(id) ?? 0) + n);
    }
  } finally {
    await reader.close();
  }
  const out: ExportedCamera[] = [];
  const cams = [...frames.keys()].sort();
  const safe = (cam: string) => `${cam.replace(/[^\w.-]+/g, '_')}.txt`;
  const fileOf = (cam: string) => join(outDir, safe(cam));
  const gtFileOf = (cam: string) => join(outDir, 'gt', safe(cam));
  const withGt = gtAt.size > 0;
  // Ground truth at key frames only (an imported nuScenes scene): the tracks between them are not scored, so the
  // tracks at the key frames alone are written too, for text tools to score what `viper eval` scores.
  const keyFramesOnly = [...gtAt.values()].some((g) => g.keyFramesOnly === true);
  // Tracker output, so beside the tracks, not in gt/ (where tools look for ground truth).
  const keyFileOf = (cam: string) => join(outDir, `${safe(cam).replace(/\.txt$/, '')}.keyframes.txt`);
  // A file an earlier export left for a camera would be scored with these tracks: removed, and said so.
  const staleOf = (cam: string) =>
    [...(withGt ? [] : [gtFileOf(cam)]), ...(keyFramesOnly ? [] : [keyFileOf(cam)])].filter((f) =>
      existsSync(f),
    );
  guard(
    [
      ...cams.map(fileOf),
      ...(withGt ? cams.map(gtFileOf) : []),
      ...(keyFramesOnly ? cams.map(keyFileOf) : []),
    ],
    cams.flatMap(staleOf),
  );
  const gtIds = new Map<string, number>();
  for (const cam of cams) {
    const list = rows.get(cam) ?? [];
    const file = fileOf(cam);
    await writeOutputFile(file, writeMotChallenge(trackRowsToMotRows(list)), '-o');
    const exported: ExportedCamera = {
      camera: cam,
      file,
      frames: frames.get(cam)!,
      trackBoxes: list.length,
      ids: new Set(list.map((r) => r.id)).size,
      images: images.get(cam) ?? null,
    };
    const stale = staleOf(cam);
    for (const f of stale) await rm(f);
    if (stale.length > 0) exported.removed = stale;
    if (withGt) {
      const gtRows = groundTruthRows(cam, stamps.get(cam) ?? [], gtAt, gtIds);
      const gtFile = gtFileOf(cam);
      await writeOutputFile(gtFile, writeMotChallenge(gtRows), '-o');
      exported.groundTruth = {
        file: gtFile,
        boxes: gtRows.length,
        ids: new Set(gtRows.map((r) => r.id)).size,
      };
      if (keyFramesOnly) {
        const camStamps = stamps.get(cam) ?? [];
        const atKey = list.filter((r) => gtAt.has(camStamps[r.frame - 1]!));
        const keyFile = keyFileOf(cam);
        await writeOutputFile(keyFile, writeMotChallenge(trackRowsToMotRows(atKey)), '-o');
        exported.groundTruth.keyFrameTracks = keyFile;
      }
    }
    out.push(exported);
  }
  return out;
}

/**
 * One camera's ground truth as MOTChallenge rows, frame n at the stamp of its n-th tracked frame; `ids` numbers
 * actors across all cameras in order of first appearance (MOTChallenge ids are integers).
 */
function groundTruthRows(
  cam: string,
  stamps: readonly bigint[],
  gtAt: ReadonlyMap<bigint, GroundTruthMessage>,
  ids: Map<string, number>,
): MotRow[] {
  const out: MotRow[] = [];
  stamps.forEach((stamp, i) => {
    for (const a of gtAt.get(stamp)?.actors ?? []) {
      const v = a.cameras.find((c) => c.cameraId === cam);
      if (!v || v.visibleFraction < DEFAULT_SCORE.minVisibility) continue;
      const { x1, y1, x2, y2 } = v.box;
      if (!(x2 > x1 && y2 > y1)) continue;
      let id = ids.get(a.id);
      if (id === undefined) {
        id = ids.size + 1;
        ids.set(a.id, id);
      }
      out.push({
        frame: i + 1,
        id,
        x: x1,
        y: y1,
        w: x2 - x1,
        h: y2 - y1,
        conf: 1,
        wx: 1, // MOTChallenge's class 1 (a target): its other numbers (car 3, …) would be distractors or dropped
        wy: v.visibleFraction,
        wz: -1,
      });
    }
  });
  return out;
}

/** The camera of an image topic, when its name is that camera's (`/cam0/image` for `/perception/cam0/annotations`). */
/** Per image topic, the images `replay --results-only` left out of the file (none for a full file). */
async function imagesLeftOut(reader: RecordingReader): Promise<Record<string, number>> {
  const viper = (await reader.metadata()).filter((m) => m.name === 'viper').pop();
  const json = viper?.metadata.imagesLeftOut;
  if (json === undefined) return {};
  try {
    const counts = JSON.parse(json) as unknown;
    if (typeof counts !== 'object' || counts === null) return {};
    return Object.fromEntries(Object.entries(counts).filter(([, n]) => Number.isInteger(n) && n >= 0));
  } catch {
    return {}; // a hand-edited record: the check is skipped, as for a file without images
  }
}

function imageCamera(topic: string, annotated: readonly { topic: string }[]): string | undefined {
  for (const a of annotated) {
    const cam = cameraFromAnnotationsTopic(a.topic)!;
    if (topic === `/${cam}/image` || topic.startsWith(`/${cam}/`)) return cam;
  }
  return undefined;
}
