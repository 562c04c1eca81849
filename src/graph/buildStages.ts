/**
 * Builds the stage chain of `viper replay` from its options: detect (model or oracle) → track → fuse.
 * Also returns the facts recorded in the results file's metadata and lines to tell the user.
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';
import { topics } from '../contracts/topics.ts';
import { BUNDLED_MODEL } from '../detect/card.ts';
import { Detector, type DetectorOptions } from '../detect/Detector.ts';
import type { DetectorLike } from '../detect/shared.ts';
import { createDetectStage } from '../detect/stage.ts';
import { createOracleStage } from '../detect/oracleStage.ts';
import { createFuseStage } from '../fuse/stage.ts';
import { DEFAULT_MEASURE, RANGE_CUES, type RangeCue } from '../fuse/measure.ts';
import { fileSha256 } from '../io/fileSha256.ts';
import { RecordingReader } from '../io/index.ts';
import type { PerceptionParams } from './params.ts';
import { parseTrackerConfig, type TrackerConfig } from '../track/config.ts';
import { createTrackStage, TRACK_STAGE_DEFAULTS } from '../track/stage.ts';
import type { Stage } from './stage.ts';
import { type TileGrid, tilesLabel } from '../detect/tiles.ts';

export interface StageOptions {
  /** Model card or .onnx (default: the bundled model). */
  model?: string;
  /** 'model' (default when a model is available), 'oracle' (simulator ground truth + noise) or 'none'. */
  detector?: 'model' | 'oracle' | 'none';
  ep?: string[];
  threads?: number;
  /** Also detect on this grid of overlapping tiles of each frame (`--tiles 2x1`; detect/tiles.ts). */
  tiles?: TileGrid;
  tracker?: 'bytetrack' | 'sort' | 'none';
  fuse?: boolean;
  maxBatch?: number;
  oracleSeed?: number;
  /** The recording may be damaged: the oracle reads the intact part of its ground truth (`replay --recover`). */
  recover?: boolean;
  /** ByteTrack τ_high: detections above it take part in the first association (stage default 0.5). */
  trackThresh?: number;
  /** Score a detection needs to start a track (ByteTrack: τ_high + 0.1). */
  birthThresh?: number;
  /** false: ByteTrack without the colour appearance term (no image decode in the track stage). */
  appearance?: boolean;
  /**
   * Fusion range cue: 'mixed' (default: pedestrians 'combined', the rest 'ground'), 'ground' (flat-ground point)
   * or 'combined' (with the class-height range for every class).
   */
  rangeCue?: RangeCue;
  /** Fusion's fixed frame, where world objects are tracked (default odom; a bag's map, world, …). */
  worldFrame?: string;
  /** Fusion's vehicle frame, whose z = 0 plane is the road (default base_link; a bag's base_footprint, …). */
  egoFrame?: string;
  /**
   * Tracker and fusion parameters (`--params`, checked by `loadParams`): each overrides its default; the options
   * above (`trackThresh`, `birthThresh`, `appearance`, `rangeCue`) override the file.
   */
  params?: PerceptionParams;
  /** Opens the model detector (default `Detector.open`); replaying many feeds at once passes leases of one. */
  openDetector?: (opts: DetectorOptions) => Promise<DetectorLike>;
}

// The bundled detector's card path lives with the cards (detect/), re-exported for the graph's callers.
export { BUNDLED_MODEL };

export async function buildStages(
  o: StageOptions,
  input: string,
): Promise<{ stages: Stage[]; metadata: Record<string, string>; notes: string[] }> {
  const notes: string[] = [];
  const stages: Stage[] = [];
  const metadata: Record<string, string> = {};
  const tracker = o.tracker ?? 'bytetrack';
  if (!['bytetrack', 'sort', 'none'].includes(tracker)) {
    throw new ConfigError({
      what: `unknown tracker '${tracker}'`,
      where: '--tracker',
      hint: 'use bytetrack, sort or none',
    });
  }
  if (o.rangeCue !== undefined && !(RANGE_CUES as readonly string[]).includes(o.rangeCue)) {
    throw new ConfigError({
      what: `unknown range cue '${o.rangeCue}'`,
      where: '--range-cue',
      hint: `use ${RANGE_CUES.join(', ')} (default ${DEFAULT_MEASURE.rangeCue})`,
    });
  }
  if (o.rangeCue !== undefined && (o.fuse === false || tracker === 'none')) {
    throw new ConfigError({
      what: '--range-cue is a fusion setting, and fusion is off',
      where: '--range-cue',
      hint: 'drop --no-fuse / --tracker none, or drop --range-cue',
    });
  }
  // A parameter file's section for a stage that does not run is not used: said, not refused (the defaults file
  // `viper params` writes has both sections, and --no-fuse is a common choice).
  if (o.params?.tracker && (tracker === 'none' || o.detector === 'none'))
    notes.push("note: the parameter file's tracker section is not used: no tracker runs");
  if (o.params?.fuse && (o.fuse === false || tracker === 'none' || o.detector === 'none'))
    notes.push("note: the parameter file's fuse section is not used: fusion is off");
  const unused = o.params?.tracker ? otherTrackersSettings(o.params.tracker, tracker) : [];
  if (unused.length > 0)
    notes.push(
      `note: the parameter file sets ${unused.join(', ')}, which the ${tracker === 'sort' ? 'SORT' : 'ByteTrack'} tracker does not use (--tracker ${tracker === 'sort' ? 'bytetrack' : 'sort'} does)`,
    );
  const trackConfig = { ...o.params?.tracker, ...trackerOverrides(o, tracker) };
  let detector = o.detector;
  if (detector && !['model', 'oracle', 'none'].includes(detector)) {
    throw new ConfigError({
      what: `unknown detector '${detector}'`,
      where: '--detector',
      hint: 'use model, oracle or none',
    });
  }
  let model = o.model;
  if (detector !== undefined)
    refuseModelWithOtherDetector(
      model,
      detector,
      'drop --detector (the model is then the detector) or --model',
    );
  if (!detector) {
    if (model || existsSync(BUNDLED_MODEL)) detector = 'model';
    else if (await hasGroundTruth(input)) {
      detector = 'oracle';
      notes.push(
        'note: no bundled model found; using the oracle detector (ground truth + seeded noise), labelled oracle',
      );
    } else {
      throw new ConfigError({
        what: 'no detector model: the bundled model is missing and this recording has no ground truth for the oracle',
        where: '--model',
        hint: 'pass --model <card.json|model.onnx>, or --detector none to pass the recording through',
      });
    }
  }
  if (o.tiles && detector !== 'model') {
    throw new ConfigError({
      what: `--tiles splits frames for a model detector, and the detector is ${detector === 'oracle' ? 'the oracle (it reads ground truth, not pixels)' : 'none'}`,
      where: '--tiles',
      hint: 'drop --tiles, or detect with a model (--model <card>)',
    });
  }
  if (detector === 'model') {
    model ??= BUNDLED_MODEL;
    const detectorOptions: DetectorOptions = {
      model,
      ep: o.ep,
      threads: o.threads,
      maxBatch: o.maxBatch,
      ...(o.tiles ? { tiles: o.tiles } : {}),
      log: (line) => notes.push(line),
    };
    const det = await (o.openDetector ? o.openDetector(detectorOptions) : Detector.open(detectorOptions));
    // The track stage's colour term reads the frames as the detector decoded them instead of decoding them again.
    const colours = tracker === 'bytetrack' && o.appearance !== false;
    stages.push(createDetectStage(det, { keepPixels: colours }));
    // The classes this model confuses may continue each other's tracks (its card says which).
    if (det.card.classGroups && trackConfig.classGroups === undefined)
      trackConfig.classGroups = det.card.classGroups;
    // The card's birth threshold, unless the command line sets the thresholds or a parameter file the margin; a
    // file's higher track threshold raises it (only detections above the track threshold can start tracks).
    if (
      det.card.birthThresh !== undefined &&
      tracker === 'bytetrack' &&
      o.birthThresh === undefined &&
      o.trackThresh === undefined &&
      o.params?.tracker?.newTrackMargin === undefined
    ) {
      const high = trackThreshOf(trackConfig);
      trackConfig.newTrackMargin = Math.max(0, det.card.birthThresh - high);
      metadata.birthThresh = String(Math.max(det.card.birthThresh, high));
      if (det.card.birthThresh < high)
        notes.push(
          `note: the card's birthThresh ${det.card.birthThresh} is below the track threshold ${high}: tracks start at ${high} (only detections above the track threshold can start one; --track-thresh lowers it)`,
        );
    }
    metadata.detector = 'model';
    metadata.model = det.card.name;
    // Which model exactly (two versions under one card name are told apart) and how it was read: the card's
    // file name (not its path, which differs between clones and would change the results' bytes).
    metadata.modelSha256 = await modelSha256(det.card.modelPath);
    metadata.modelCard = basename(det.card.cardPath);
    metadata.modelThresholds = JSON.stringify(det.card.thresholds);
    metadata.executionProvider = det.executionProvider;
    // Tiles change what is detected: results of a tiled run say so.
    if (o.tiles) metadata.tiles = `${tilesLabel(o.tiles)} overlap ${o.tiles.overlap}`;
    if (det.fallbacks.length > 0) metadata.providerFallbacks = det.fallbacks.join('; ');
  } else if (detector === 'oracle') {
    const cfg = o.oracleSeed === undefined ? {} : { seed: o.oracleSeed };
    stages.push(await createOracleStage(input, cfg, o.recover === true));
    metadata.detector = 'oracle';
  } else {
    metadata.detector = 'none';
  }
  if (detector !== 'none' && tracker !== 'none') {
    stages.push(
      createTrackStage({
        kind: tracker as 'bytetrack' | 'sort',
        config: trackConfig,
        frames: { world: o.worldFrame, ego: o.egoFrame },
      }),
    );
    if (o.trackThresh !== undefined) metadata.trackThresh = String(o.trackThresh);
    if (o.appearance === false && tracker === 'bytetrack') metadata.appearance = 'off';
    if (o.birthThresh !== undefined) metadata.birthThresh = String(o.birthThresh);
    if (o.fuse !== false) {
      const measure = {
        ...o.params?.fuse?.measure,
        ...(o.rangeCue === undefined ? {} : { rangeCue: o.rangeCue }),
      };
      const worldTracker = o.params?.fuse?.worldTracker;
      stages.push(
        createFuseStage({
          ...(Object.keys(measure).length > 0 ? { measure } : {}),
          ...(worldTracker ? { tracker: worldTracker } : {}),
          ...(o.worldFrame === undefined ? {} : { worldFrame: o.worldFrame }),
          ...(o.egoFrame === undefined ? {} : { groundFrame: o.egoFrame }),
        }),
      );
      // Only when given: results of the default frames keep their bytes.
      if (o.worldFrame !== undefined) metadata.worldFrame = o.worldFrame;
      if (o.egoFrame !== undefined) metadata.egoFrame = o.egoFrame;
      // Recorded whether given or not: the default changed ('ground' before 'mixed'), a results file says which.
      metadata.rangeCue = measure.rangeCue ?? DEFAULT_MEASURE.rangeCue;
    }
  }
  metadata.tracker = detector === 'none' ? 'none' : tracker;
  metadata.fuse = String(detector !== 'none' && tracker !== 'none' && o.fuse !== false);
  // What the parameter file changed, as given (the defaults are the code's): a results file says what made it.
  if (o.params) metadata.params = JSON.stringify(o.params);
  return { stages, metadata, notes };
}

/**
 * A model file's sha256, hashed once per process (every feed of a many-feed replay records it; 1,000 feeds would
 * have hashed the model 1,000 times); keyed by size and modification time too, should the file be replaced.
 */
const modelHashes = new Map<string, Promise<string>>();
function modelSha256(path: string): Promise<string> {
  const st = statSync(path);
  const key = `${path}\0${st.size}\0${st.mtimeMs}`;
  let h = modelHashes.get(key);
  if (!h) {
    h = fileSha256(path);
    modelHashes.set(key, h);
  }
  return h;
}

/**
 * `--model` with another detector is refused: the oracle or a pass-through would run and the model (perhaps a
 * broken card) be ignored without a word. Used by replay (here) and by `scenarios run` before its workers start.
 */
export function refuseModelWithOtherDetector(
  model: string | undefined,
  detector: string,
  hint: string,
): void {
  if (model !== undefined && detector !== 'model')
    throw new ConfigError({
      what: `--model is for --detector model, and the detector is '${detector}'`,
      where: '--model',
      hint,
    });
}

/** The track threshold a configuration ends with: its own, else the track stage's default, else the reference's. */
function trackThreshOf(c: Partial<TrackerConfig>): number {
  return parseTrackerConfig({ ...TRACK_STAGE_DEFAULTS, ...c }).trackThresh;
}

/** Settings only SORT reads, and only ByteTrack (its association and what the stage adds to it). */
const SORT_ONLY = ['sortIouThresh', 'minHits', 'maxAge', 'sortScoreThresh'] as const;
const BYTETRACK_ONLY = [
  'trackThresh',
  'lowThresh',
  'newTrackMargin',
  'matchThresh',
  'secondMatchThresh',
  'unconfirmedMatchThresh',
  'trackBuffer',
  'fuseScore',
  'duplicateThresh',
  'cost',
  'buffer',
  'unconfirmedBuffer',
  'recoverGate',
  'oru',
  'groundGate',
  'groundWeight',
  'appearanceWeight',
  'appearanceGate',
] as const;

/**
 * A parameter file's settings, changed from replay's defaults, that the tracker running does not read (the other
 * one's): SORT had run with a file's `matchThresh: 0.1` without a word, and compare showed no change. Said, not
 * refused: the file `viper params` writes holds both trackers' settings.
 */
function otherTrackersSettings(given: Partial<TrackerConfig>, tracker: string): string[] {
  const keys = tracker === 'sort' ? BYTETRACK_ONLY : tracker === 'bytetrack' ? SORT_ONLY : [];
  const defaults = parseTrackerConfig({ ...TRACK_STAGE_DEFAULTS }) as Record<string, unknown>;
  const set = given as Record<string, unknown>;
  return keys
    .filter((k) => set[k] !== undefined && JSON.stringify(set[k]) !== JSON.stringify(defaults[k]))
    .map((k) => `${k} ${JSON.stringify(set[k])}`);
}

/** Tracker settings from the command line, checked (the tracker validates ranges again). */
function trackerOverrides(o: StageOptions, tracker: string): Partial<TrackerConfig> {
  const out: Partial<TrackerConfig> = {};
  if ((o.trackThresh !== undefined || o.birthThresh !== undefined) && tracker !== 'bytetrack') {
    throw new ConfigError({
      what: `--track-thresh / --birth-thresh are ByteTrack settings, and the tracker is '${tracker}'`,
      where: '--tracker',
      hint: 'use --tracker bytetrack with them',
    });
  }
  const high = o.trackThresh ?? trackThreshOf(o.params?.tracker ?? {});
  if (o.trackThresh !== undefined) out.trackThresh = o.trackThresh;
  if (o.appearance === false) out.appearanceWeight = 0;
  if (o.birthThresh !== undefined) {
    if (!(o.birthThresh >= high)) {
      throw new ConfigError({
        what: `--birth-thresh ${o.birthThresh} is below the track threshold ${high}`,
        where: '--birth-thresh',
        hint: 'only detections above the track threshold can start tracks',
      });
    }
    out.newTrackMargin = o.birthThresh - high;
  }
  return out;
}

async function hasGroundTruth(input: string): Promise<boolean> {
  const reader = await RecordingReader.open(input, { recover: true });
  try {
    return reader.channels().some((c) => c.topic === topics.groundTruthObjects);
  } finally {
    await reader.close();
  }
}
