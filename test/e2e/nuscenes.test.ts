/**
 * Real cameras end to end: the nuScenes sample, written as the devkit's tables (test/testing/nuscenesTables.ts),
 * imported into a recording by `viper import`'s nuScenes importer (images, CameraCalibration from K, /tf from the
 * camera mounts and the ego pose), replayed
 * through Viper's graph with YOLOX-Nano → ByteTrack → fusion, and the fused world objects compared with the
 * annotated 3D boxes in the ego frame (cars and pedestrians within 40 m).
 *
 * Which annotated object a fused object is comes from the image, not from where fusion put it: its source 2D
 * tracks are matched (IoU) to the sample's annotated 2D boxes, and each annotated 2D box belongs to one annotated
 * object. Matching by ground distance instead let a car placed 10 m too far count as the truck standing there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ObjectsMessage, Track2D, WorldObject } from '../../src/contracts/perception.ts';
import type { RigResult, Stage } from '../../src/contracts/stage.ts';
import { topics } from '../../src/contracts/topics.ts';
import { buildStages, type StageOptions } from '../../src/graph/buildStages.ts';
import { replay } from '../../src/graph/replay.ts';
import { Detector } from '../../src/detect/Detector.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { describeShared, repoRoot } from '../shared.ts';
import { importNuScenes } from '../../src/cli/importNuScenes.ts';
import { applyPose, invertPose, type Pose } from '../../src/geometry/index.ts';
import {
  annotatedBoxesInEgo,
  annotatedCameraBoxes,
  type CameraBox,
  type EgoBox,
} from '../testing/nuscenes.ts';
import { writeNuScenesDataroot } from '../testing/nuscenesTables.ts';

/** The importer's odom is nuScenes' global frame moved to the first ego: fused objects are brought to the ego here. */
let egoFromOdom: Pose = { translation: [0, 0, 0], rotation: [0, 0, 0, 1] };

const GROUP: Record<string, string> = {
  car: 'vehicle',
  truck: 'vehicle',
  bus: 'vehicle',
  pedestrian: 'pedestrian',
};
const MAX_RANGE_M = 40;
/** A source track is the annotated object whose 2D box it overlaps at least this much (and most). */
const MIN_IOU = 0.3;

interface Identified {
  object: WorldObject;
  /** Index of the annotated object, or -1 when no annotated 2D box of its class group overlaps a source. */
  index: number;
  iou: number;
}

function iou(a: Track2D['box'], b: CameraBox['box']): number {
  const ix = Math.max(0, Math.min(a.x2, b[2]) - Math.max(a.x1, b[0]));
  const iy = Math.max(0, Math.min(a.y2, b[3]) - Math.max(a.y1, b[1]));
  const i = ix * iy;
  return i / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b[2] - b[0]) * (b[3] - b[1]) - i);
}

/** The annotated object behind each fused object: best IoU of any source track with an annotated 2D box. */
function identify(objects: WorldObject[], tracks: Map<string, Track2D[]>): Identified[] {
  const boxes = annotatedCameraBoxes();
  return objects.map((object) => {
    let best: Identified = { object, index: -1, iou: 0 };
    for (const s of object.sources) {
      const t = tracks.get(s.cameraId)?.find((x) => x.trackId === s.trackId);
      if (!t) continue;
      // The sample names cameras by channel (CAM_FRONT), the importer in lower case.
      for (const b of boxes.get(s.cameraId.toUpperCase()) ?? []) {
        if (GROUP[b.cls] !== GROUP[object.cls]) continue;
        const v = iou(t.box, b.box);
        if (v >= MIN_IOU && v > best.iou) best = { object, index: b.index, iou: v };
      }
    }
    return best;
  });
}

interface Last {
  message: ObjectsMessage;
  /** Objects and 2D tracks of the last rig frame, as the fuse stage left them. */
  objects: WorldObject[];
  tracks: Map<string, Track2D[]>;
}

/** Replays `input` through `stages` and returns the last /perception/objects message with its 2D tracks. */
async function replayObjects(input: string, output: string, stages: Stage[]): Promise<Last> {
  let lastResult: RigResult | undefined;
  const spy: Stage = {
    name: 'spy',
    async process(batch) {
      lastResult = batch[batch.length - 1] ?? lastResult;
      return batch;
    },
  };
  const summary = await replay({ input, output, stages: [...stages, spy] });
  expect(summary.rigFrames).toBe(3);
  expect(summary.issues).toBe(0);
  let last: ObjectsMessage | undefined;
  const r = await RecordingReader.open(output);
  try {
    for await (const m of r.messages({ topics: [topics.objects] })) {
      last = r.decoder(m.channel.id)(m.data) as unknown as ObjectsMessage;
    }
  } finally {
    await r.close();
  }
  expect(last).toBeDefined();
  expect(lastResult?.objects).toBeDefined();
  expect(last!.objects.map((o) => o.id)).toEqual(lastResult!.objects!.map((o) => o.id));
  return { message: last!, objects: lastResult!.objects!, tracks: lastResult!.tracks };
}

interface Scored {
  box: EgoBox;
  object?: WorldObject;
  iou?: number;
  errM?: number;
  rangeErrM?: number;
}

interface Score {
  matched: number;
  total: number;
  /** Median of error / range (mean of the two middle values for an even count). */
  median: number;
  /** The larger of the two middle values (= median for an odd count): the bound the test asserts. */
  upperMedian: number;
  /** Error / range per matched object, by range. */
  rel: number[];
  /** Annotated objects (any range) that more than one fused object is identified with. */
  duplicates: number;
}

function score(label: string, last: Last): Score {
  const egoBoxes = annotatedBoxesInEgo();
  const ids = identify(last.objects, last.tracks);
  const scored: Scored[] = egoBoxes
    .filter((b) => (b.cls === 'car' || b.cls === 'pedestrian') && b.rangeM <= MAX_RANGE_M)
    .sort((a, b) => a.rangeM - b.rangeM)
    .map((box) => {
      // The fused object of this annotated object; two fused objects of one are one too many (listed below).
      const mine = ids.filter((i) => i.index === box.index).sort((a, b) => b.iou - a.iou)[0];
      if (!mine) return { box };
      const o = mine.object;
      const c = applyPose(egoFromOdom, o.box.center);
      const errM = Math.hypot(c[0] - box.center[0], c[1] - box.center[1]);
      const rangeErrM = Math.hypot(c[0], c[1]) - box.rangeM;
      return { box, object: o, iou: mine.iou, errM, rangeErrM };
    });
  const describe = (i: Identified) => {
    const o = i.object;
    const c = applyPose(egoFromOdom, o.box.center);
    const at = `${o.cls} ${Math.hypot(c[0], c[1]).toFixed(1)} m`;
    if (i.index < 0) return `#${o.id} ${at} (no annotated box)`;
    const b = egoBoxes[i.index]!;
    return `#${o.id} ${at} (annotated #${b.index} ${b.cls} ${b.rangeM.toFixed(1)} m)`;
  };
  const lines = [
    `${label}: ${last.objects.length} fused objects: ${ids.map(describe).join(', ')}`,
    `annotated cars + pedestrians within ${MAX_RANGE_M} m: ${scored.length}`,
    '| # | class | range m | fused object | fused class | 2D IoU | position error m | range error m | error/range |',
    '| ---: | --- | ---: | --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const m of scored) {
    const rel = m.errM === undefined ? '' : `${((100 * m.errM) / m.box.rangeM).toFixed(1)} %`;
    lines.push(
      `| ${m.box.index} | ${m.box.cls} | ${m.box.rangeM.toFixed(1)} | ${m.object ? `#${m.object.id}` : 'none'} | ${
        m.object?.cls ?? ''
      } | ${m.iou?.toFixed(2) ?? ''} | ${m.errM?.toFixed(2) ?? ''} | ${m.rangeErrM?.toFixed(2) ?? ''} | ${rel} |`,
    );
  }
  const matched = scored.filter((m) => m.object);
  const rel = matched.map((m) => m.errM! / m.box.rangeM);
  const sorted = [...rel].sort((a, b) => a - b);
  const n = sorted.length;
  const upperMedian = n ? sorted[Math.floor(n / 2)]! : Number.NaN;
  const median = n ? (n % 2 ? upperMedian : (sorted[n / 2 - 1]! + upperMedian) / 2) : Number.NaN;
  lines.push(
    `matched ${matched.length}/${scored.length}; position error / range: median ${(100 * median).toFixed(1)} %` +
      `, upper median ${(100 * upperMedian).toFixed(1)} %`,
  );
  const seen = ids.filter((i) => i.index >= 0).map((i) => i.index);
  const duplicates = new Set(seen.filter((index, k) => seen.indexOf(index) !== k)).size;
  lines.push(`annotated objects with more than one fused object: ${duplicates}`);
  console.log(lines.join('\n'));
  return { matched: matched.length, total: scored.length, median, upperMedian, rel, duplicates };
}

describeShared('nuScenes sample end to end: YOLOX-Nano → ByteTrack → fusion vs annotated 3D boxes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'viper-nuscenes-'));
  const input = join(dir, 'nuscenes.mcap');
  const model = join(repoRoot, 'models/cards/yolox_nano.json');
  beforeAll(async () => {
    // Three key frames 0.1 s apart of the one real frame (a standing ego): the world tracker reports an object
    // from its second update.
    const fx = writeNuScenesDataroot(dir, { samples: 3, periodUs: 100_000 });
    await importNuScenes({ dataroot: fx.dataroot, output: input });
    const ego = fx.egoAt(fx.samplesUs[0]!);
    egoFromOdom = invertPose({ translation: [0, 0, 0], rotation: ego.rotation });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays the imported recording through the default graph and fuses world objects', async () => {
    const { stages } = await buildStages({ model, tracker: 'bytetrack', fuse: true }, input);
    const last = await replayObjects(input, join(dir, 'default.mcap'), stages);
    expect(last.message.objects.every((o) => o.frameId === 'odom')).toBe(true);
    // YOLOX-Nano at 416 px scores the small road users of these 1600×900 images 0.3–0.5; ByteTrack's default
    // birth threshold (trackThresh 0.5 + newTrackMargin 0.1) keeps only the 0.68 truck (17 m ahead-left).
    expect(last.objects.length).toBeGreaterThanOrEqual(1);
    score('default stages (trackThresh 0.5, birth at 0.6)', last);
  }, 120_000);

  /**
   * YOLOX-Nano → ByteTrack with tracks born at the card's score threshold → fusion, built the way `viper replay
   * --model <card> --track-thresh 0.3 --birth-thresh 0.3 [--range-cue combined]` builds it.
   */
  async function lowBirth(
    rangeCue: StageOptions['rangeCue'],
    out: string,
    tiles?: StageOptions['tiles'],
  ): Promise<Last> {
    const det = await Detector.open({ model });
    const thresh = det.card.thresholds.score;
    await det.close();
    // Every detection the card keeps (score ≥ 0.3) may start a track: see src/fuse/README.md, "End to end".
    const { stages } = await buildStages(
      { model, trackThresh: thresh, birthThresh: thresh, rangeCue, ...(tiles ? { tiles } : {}) },
      input,
    );
    return replayObjects(input, join(dir, out), stages);
  }

  it("with tracks born at the card score threshold and rangeCue 'combined': cars and pedestrians within 40 m placed within 15 % of their range (median)", async () => {
    const s = score(
      "trackThresh 0.3, newTrackMargin 0, rangeCue 'combined'",
      await lowBirth('combined', 'combined.mcap'),
    );
    // Measured (2026-11-29): 4 of 14 found: a pedestrian behind at 12.8 m (3.7 %; 1.5 % before the curb's height
    // joined a pedestrian's flat-ground σ), the car behind at 20.8 m (12.8 %), the cars ahead at 39.0 m (2.6 %)
    // and 36.4 m (29.4 %: its box is 11 px shorter than the car and its bottom 3 px above the tyres, on a road
    // 0.2 m above the ego's ground plane: both cues too far); median 8.2 %, upper median 12.8 %. The other 10
    // (pedestrians at 13–33 m) YOLOX-Nano at 416 px does not detect at ≥ 0.3.
    expect(s.matched).toBeGreaterThanOrEqual(4);
    expect(s.upperMedian).toBeLessThanOrEqual(0.15);
    expect(Math.max(...s.rel)).toBeLessThanOrEqual(0.35);
  }, 120_000);

  it("with the default range cue ('mixed': cars on flat ground): the same objects, median 14 % (upper median 16 %)", async () => {
    const s = score(
      'trackThresh 0.3, newTrackMargin 0, rangeCue mixed (default)',
      await lowBirth(undefined, 'mixed.mcap'),
    );
    // Measured (2026-11-29): 3.7 %, 15.6 %, 23.8 %, 12.4 % (pedestrian 12.8 m with both cues, car 20.8 m, cars
    // 36.4 and 39.0 m on flat ground): median 14.0 %, upper median 15.6 % (with 'ground' for the pedestrian too,
    // 1.1 %). The cars ahead come out too far: the road there is 0.2 m above the ego's ground plane (0.3°),
    // worth 15 % of the range on flat ground from a 1.5 m camera.
    expect(s.matched).toBeGreaterThanOrEqual(4);
    expect(s.median).toBeLessThanOrEqual(0.15);
    expect(s.upperMedian).toBeLessThanOrEqual(0.17);
  }, 120_000);

  it('with 2×2 tiles (`--tiles 2x2`): twice the objects found, still within 15 % of their range (median)', async () => {
    const tiles = { cols: 2, rows: 2, overlap: 0.2 };
    const combined = score(
      "tiles 2x2, trackThresh 0.3, rangeCue 'combined'",
      await lowBirth('combined', 'tiles-c.mcap', tiles),
    );
    const mixed = score(
      'tiles 2x2, trackThresh 0.3, rangeCue mixed (default)',
      await lowBirth(undefined, 'tiles-m.mcap', tiles),
    );
    // Measured (2026-12-01): 8 of 14 found (4 without tiles): pedestrians at 12.8, 13.3, 16.1, 18.0 and 32.5 m,
    // cars at 20.8, 36.4 and 39.0 m; median 8.3 % combined (upper 8.4 %), 10.7 % mixed (upper 10.9 %). Car #16
    // (36.4 m) is the outlier again: 30.1 % combined, 24.2 % mixed. Until 2026-12-02 car #65's upper half, cut by
    // the tiles' seam, was a second car at 66 m (its box ended 4 px short of the seam: not taken as cut).
    for (const s of [combined, mixed]) {
      expect(s.matched).toBeGreaterThanOrEqual(8);
      expect(s.median).toBeLessThanOrEqual(0.15);
      expect(s.duplicates).toBe(0);
    }
  }, 300_000);
});
