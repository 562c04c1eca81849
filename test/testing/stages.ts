/** Stages for graph tests: stand-ins for detection when a test is about what the graph does around it. */
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
