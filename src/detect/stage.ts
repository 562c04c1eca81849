/**
 * The detect stage: every camera frame of every rig in the graph's batch goes to the detector in one call
 * (which packs them into runs of at most maxBatch), and results are routed back by position to their rig and
 * camera. Frames that fail to decode become `issues` (kind 'decode') and get no detections entry; a frame whose
 * decoded size is not its calibration's is an issue too (kind 'calibration-size'). With
 * `keepPixels`, each frame's decoded image goes on in `RigResult.pixels` for the track stage's colours.
 */
import type { CameraFrame } from '../contracts/camera.ts';
import type { RigResult, Stage } from '../contracts/stage.ts';
import type { DetectorLike } from './shared.ts';

export interface DetectStageOptions {
  /** Only these camera ids are detected on (default: all). */
  cameras?: readonly string[];
  /**
   * Pass each frame's decoded pixels on (`RigResult.pixels`, at the letterbox's size) so that a later stage does
   * not decode it again: the track stage's colour term, which deletes them once used.
   */
  keepPixels?: boolean;
}

/**
 * @example const stage = createDetectStage(await Detector.open({ model: 'yolox_nano' }));
 *          const out = await stage.process(batch); out[0].detections.get('cam_front')
 */
export function createDetectStage(detector: DetectorLike, opts: DetectStageOptions = {}): Stage {
  const only = opts.cameras ? new Set(opts.cameras) : null;
  return {
    name: 'detect',
    // Each frame's detections depend on that frame alone, whichever call's runs the worker takes first.
    concurrent: true,
    async process(batch: RigResult[]): Promise<RigResult[]> {
      const frames: CameraFrame[] = [];
      const owner: number[] = [];
      batch.forEach((r, i) => {
        for (const f of r.rig.frames) {
          if (only && !only.has(f.cameraId)) continue;
          frames.push(f);
          owner.push(i);
        }
      });
      const results = await detector.detect(frames);
      const out: RigResult[] = batch.map((r) => ({
        ...r,
        detections: new Map(r.detections),
        issues: [...r.issues],
        ...(opts.keepPixels ? { pixels: new Map(r.pixels) } : {}),
      }));
      results.forEach((res, k) => {
        const target = out[owner[k] as number] as RigResult;
        const cameraId = (frames[k] as CameraFrame).cameraId;
        if (res.error !== undefined) target.issues.push({ cameraId, kind: 'decode', message: res.error });
        else target.detections.set(cameraId, res.detections);
        const calib = (frames[k] as CameraFrame).calibration;
        if (calib && res.size && (res.size.width !== calib.width || res.size.height !== calib.height)) {
          // Boxes are in image pixels, K in the calibration's: every ray (fusion) and the image edges (tracking)
          // would be off, silently.
          target.issues.push({
            cameraId,
            kind: 'calibration-size',
            message: `image ${res.size.width}×${res.size.height}, calibration ${calib.width}×${calib.height}: the calibration is used as it is, so this camera’s 3D positions are off`,
          });
        }
        if (res.pixels) target.pixels?.set(cameraId, res.pixels);
      });
      return out;
    },
    describe: () => detector.describe(),
    close: () => detector.close(),
  };
}
