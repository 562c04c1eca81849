/**
 * Deliberately broken stages for the suite's own tests (never used by the CLI): inserted into a run's stage
 * list through the suite's `stageHook` option, they must make the suite fail and name what dropped.
 * - `shuffleIds`: after the tracker, every `everyFrames` rig frames the track ids are scrambled by a new
 *   bijection, so each track changes id at every epoch boundary (ID switches, lower IDF1).
 * - `shiftBoxes`: after the detector, every box moves right by `fraction` of its width (IoU with the truth
 *   drops to (1 − f) / (1 + f): 0.25 for f = 0.6), so detections stop matching.
 */
import type { RigResult, Stage } from '../../src/graph/stage.ts';

function wrapAfter(
  stages: Stage[],
  prefix: string,
  name: string,
  fix: (r: RigResult, frame: number) => void,
): Stage[] {
  const i = stages.findIndex((s) => s.name.startsWith(prefix));
  if (i < 0) throw new Error(`no ${prefix}* stage in ${stages.map((s) => s.name).join(', ')}`);
  const inner = stages[i]!;
  let frame = 0;
  const wrapped: Stage = {
    name,
    async process(batch) {
      const out = await inner.process(batch);
      for (const r of out) fix(r, frame++);
      return out;
    },
    describe: () => ({ ...inner.describe?.(), brokenBy: name }),
    close: () => inner.close?.() ?? Promise.resolve(),
  };
  return [...stages.slice(0, i), wrapped, ...stages.slice(i + 1)];
}

export function shuffleIds(stages: Stage[], o: { everyFrames: number }): Stage[] {
  return wrapAfter(stages, 'track', 'track-shuffled-ids', (r, frame) => {
    const epoch = Math.floor(frame / o.everyFrames);
    // New objects: the tracker may keep the ones it returned as its own state.
    for (const [cam, tracks] of r.tracks) {
      r.tracks.set(
        cam,
        tracks.map((t) => ({ ...t, trackId: ((t.trackId + 1) * 7919 + epoch * 104729) % 1_000_003 })),
      );
    }
  });
}

export function shiftBoxes(stages: Stage[], o: { fraction: number }): Stage[] {
  return wrapAfter(stages, 'detect', 'detect-shifted-boxes', (r) => {
    for (const [cam, dets] of r.detections) {
      r.detections.set(
        cam,
        dets.map((d) => {
          const dx = o.fraction * (d.box.x2 - d.box.x1);
          return { ...d, box: { ...d.box, x1: d.box.x1 + dx, x2: d.box.x2 + dx } };
        }),
      );
    }
  });
}
