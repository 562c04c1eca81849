/** Stages for graph tests: stand-ins for detection when a test is about what the graph does around it. */
import type { Box2D } from '../../src/contracts/geometry.ts';
import type { Stage } from '../../src/graph/stage.ts';

/** One detection per camera frame, so that every frame perceived gets an annotations message. */
export const oneBoxStage: Stage = {
  name: 'one-box',
  async process(batch) {
    for (const r of batch) {
      for (const f of r.rig.frames) {
        r.detections.set(f.cameraId, [
          { cameraId: f.cameraId, box: { x1: 1, y1: 1, x2: 9, y2: 9 }, score: 0.9, cls: 'car' },
        ]);
      }
    }
    return batch;
  },
};

/** One confirmed track (id 1) per camera frame at `box`: put it on the ground ahead for fusion to place it. */
export function oneTrackStage(box: Box2D): Stage {
  return {
    name: 'one-track',
    async process(batch) {
      for (const r of batch) {
        for (const f of r.rig.frames) {
          r.detections.set(f.cameraId, [{ cameraId: f.cameraId, box, score: 0.9, cls: 'car' }]);
          r.tracks.set(f.cameraId, [
            { cameraId: f.cameraId, box, score: 0.9, cls: 'car', trackId: 1, state: 'confirmed', age: 3 },
          ]);
        }
      }
      return batch;
    },
  };
}
