/**
 * Decoded results-file and recording messages as evaluator rows (pure; the CLI reads the files):
 * - `/perception/<camera>/annotations` (foxglove.ImageAnnotations as `tracksToImageAnnotations` writes them:
 *   one LINE_LOOP outline per track and, in the same order, a text label `#<id> <class> <score>`);
 * - `/ground_truth/objects` (viper.GroundTruth): per actor its 2D box in each camera and its world box;
 * - `/perception/objects` (viper.Objects): fused world objects, for BEV scoring.
 * Frames are numbered by stamp: {@link StampIndex} gives every distinct stamp its rank.
 */
import { parseDetectionLabel, parseTrackLabel } from '../contracts/annotations.ts';
import { type GroundTruthMessage, ObjectsMessage } from '../contracts/perception.ts';
import { InputError } from '../contracts/errors.ts';
import { compareNs } from '../contracts/time.ts';
import type { BevRow } from './bev.ts';
import type { TrackRow } from './rows.ts';

/** Ranks stamps (ns) so that rows from different topics at the same instant share a frame number. */
export class StampIndex {
  readonly #stamps = new Set<bigint>();
  #sorted: bigint[] | undefined;
  #rank: Map<bigint, number> | undefined;

  add(stampNs: bigint): void {
    this.#stamps.add(stampNs);
    this.#sorted = undefined;
    this.#rank = undefined;
  }

  frameOf(stampNs: bigint): number {
    if (!this.#rank) this.#rank = new Map(this.#order().map((s, i) => [s, i]));
    const f = this.#rank.get(stampNs);
    if (f === undefined) throw new RangeError(`stamp ${stampNs} was never added`);
    return f;
  }

  /** The stamp numbered `frame` (the inverse of frameOf). */
  stampOf(frame: number): bigint {
    const s = this.#order()[frame];
    if (s === undefined) throw new RangeError(`no frame ${frame} (${this.#stamps.size} stamps)`);
    return s;
  }

  #order(): bigint[] {
    this.#sorted ??= [...this.#stamps].sort(compareNs);
    return this.#sorted;
  }

  get size(): number {
    return this.#stamps.size;
  }
}

interface Point {
  x: number;
  y: number;
}
interface AnnotationsLike {
  timestamp?: { sec: number; nsec: number };
  points?: { points?: Point[] }[];
  texts?: { text?: string }[];
}

/** A plain detection's box (`replay --tracker none`): scored for AP only, as it has no track id. */
export type DetectionRow = Required<Pick<TrackRow, 'box' | 'cls' | 'camera' | 'score'>>;

/**
 * Tracks of one ImageAnnotations message. Outlines without a `#id` label are counted (`unlabelled`), so a caller
 * can tell a detector-only results file from an empty one; those labelled as a detection ("car 0.87") are returned
 * as `detections`. A message that is not shaped as
 * ImageAnnotations (another schema on the topic, JSON of another shape) is refused with an input error naming
 * `where`, not scored as boxes of NaN.
 */
export function annotationsToRows(
  msg: AnnotationsLike,
  camera: string,
  where = `/perception/${camera}/annotations`,
): { rows: Omit<TrackRow, 'frame'>[]; unlabelled: number; detections: DetectionRow[] } {
  const bad = (detail: string): never => {
    throw new InputError({
      what: `annotations message does not match foxglove.ImageAnnotations: ${detail}`,
      where,
      hint: 'tracks are read from ImageAnnotations as viper replay writes them',
    });
  };
  const points = msg.points ?? [];
  const texts = msg.texts ?? [];
  if (!Array.isArray(points)) bad('points is not an array');
  if (!Array.isArray(texts)) bad('texts is not an array');
  const rows: Omit<TrackRow, 'frame'>[] = [];
  const detections: DetectionRow[] = [];
  let unlabelled = 0;
  points.forEach((p, k) => {
    if (p === null || typeof p !== 'object') bad(`points.${k} is not an object`);
    const t = texts[k];
    if (t !== undefined && (t === null || typeof t !== 'object')) bad(`texts.${k} is not an object`);
    const label = t?.text ?? '';
    if (typeof label !== 'string') bad(`texts.${k}.text is not a string`);
    const pts = p.points ?? [];
    if (!Array.isArray(pts)) bad(`points.${k}.points is not an array`);
    pts.forEach((q, j) => {
      if (q === null || typeof q !== 'object' || !Number.isFinite(q.x) || !Number.isFinite(q.y))
        bad(`points.${k}.points.${j} is not a point with finite x and y`);
    });
    const track = parseTrackLabel(label);
    const xs = pts.map((q) => q.x);
    const ys = pts.map((q) => q.y);
    const box = () => ({
      x1: Math.min(...xs),
      y1: Math.min(...ys),
      x2: Math.max(...xs),
      y2: Math.max(...ys),
    });
    if (!track || pts.length < 2) {
      unlabelled++;
      const det = pts.length >= 2 ? parseDetectionLabel(label) : null;
      if (det) detections.push({ cls: det.cls, score: det.score, camera, box: box() });
      return;
    }
    const row: Omit<TrackRow, 'frame'> = { id: track.id, cls: track.cls, camera, box: box() };
    if (track.score !== undefined) row.score = track.score;
    rows.push(row);
  });
  return { rows, unlabelled, detections };
}

/** Per-camera 2D ground truth, keeping actors at least `minVisibility` visible. */
export function groundTruthToRows(gt: GroundTruthMessage, minVisibility = 0): Omit<TrackRow, 'frame'>[] {
  const rows: Omit<TrackRow, 'frame'>[] = [];
  for (const a of gt.actors) {
    for (const v of a.cameras) {
      if (v.visibleFraction < minVisibility || v.box.x2 <= v.box.x1 || v.box.y2 <= v.box.y1) continue;
      rows.push({ id: a.id, cls: a.cls, camera: v.cameraId, box: v.box });
    }
  }
  return rows;
}

/**
 * Ground-truth actors' world positions (frame `odom`) for BEV scoring: actors some camera sees at least
 * `minVisibility` (an actor no camera sees is not scored). One that no camera sees at least `minHeightPx` tall is
 * don't-care (`ignore`), as in 2D: too small for any camera to measure, so neither a miss nor, for a fused object
 * on it, a false positive.
 */
export function groundTruthToBev(
  gt: GroundTruthMessage,
  minVisibility = 0,
  minHeightPx = 0,
): Omit<BevRow, 'frame'>[] {
  const rows: Omit<BevRow, 'frame'>[] = [];
  for (const a of gt.actors) {
    const views = a.cameras.filter((v) => v.visibleFraction >= minVisibility);
    if (views.length === 0) continue;
    const row: Omit<BevRow, 'frame'> = {
      id: a.id,
      cls: a.cls,
      x: a.boxWorld.center[0],
      y: a.boxWorld.center[1],
    };
    if (!views.some((v) => v.box.y2 - v.box.y1 >= minHeightPx)) row.ignore = true;
    rows.push(row);
  }
  return rows;
}

/** Fused objects' positions; world objects carry no score, so AMOTA sees a single threshold. */
export function objectsToBev(
  msg: unknown,
  where: string,
): { stampNs: bigint; rows: Omit<BevRow, 'frame'>[] } {
  const r = ObjectsMessage.safeParse(msg);
  if (!r.success) {
    throw new InputError({
      what: `objects message does not match viper.Objects: ${r.error.issues[0]?.message ?? ''}`,
      where,
    });
  }
  return {
    stampNs: BigInt(r.data.stampNs),
    rows: r.data.objects.map((o) => ({ id: o.id, cls: o.cls, x: o.box.center[0], y: o.box.center[1] })),
  };
}
