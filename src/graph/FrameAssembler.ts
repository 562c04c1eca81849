/**
 * Camera-frame assembly: keeps the latest calibration per camera and the latest transform per (parent, child)
 * edge, and turns each image into a `CameraFrame` carrying both as they were at the image's stamp. Inputs arrive
 * in log-time order, so "latest seen" is "latest at or before". Pure state, no I/O.
 */
import type { Calibration, CameraFrame, Image } from '../contracts/camera.ts';
import type { Transform } from '../contracts/geometry.ts';
import type { TimeNs } from '../contracts/time.ts';

/** What a recorded message means to the graph (decoded by io/, classified by `interpret.ts`). */
export type Interpreted =
  | { kind: 'image'; cameraId: string; tNs: TimeNs; image: Image }
  | { kind: 'calibration'; calibration: Calibration }
  | { kind: 'transforms'; transforms: Transform[] }
  | { kind: 'other' };

export class FrameAssembler {
  private readonly calibrations = new Map<string, Calibration>();
  private readonly edges = new Map<string, Transform>();
  private snapshot: Transform[] | undefined;
  /** Cameras that delivered an image before any calibration (reported once each). */
  readonly uncalibrated = new Set<string>();

  constructor(private readonly feedId: string) {}

  /** Feed one interpreted message; returns a camera frame for images. */
  push(msg: Interpreted): CameraFrame | undefined {
    switch (msg.kind) {
      case 'calibration':
        this.calibrations.set(msg.calibration.frameId, msg.calibration);
        this.uncalibrated.delete(msg.calibration.frameId);
        return undefined;
      case 'transforms':
        for (const t of msg.transforms) this.edges.set(`${t.parent}\u0000${t.child}`, t);
        this.snapshot = undefined;
        return undefined;
      case 'image': {
        const calibration = this.calibrations.get(msg.cameraId) ?? null;
        if (!calibration) this.uncalibrated.add(msg.cameraId);
        return {
          feedId: this.feedId,
          cameraId: msg.cameraId,
          tNs: msg.tNs,
          image: msg.image,
          calibration,
          transforms: this.transforms(),
        };
      }
      default:
        return undefined;
    }
  }

  /** The current transforms, shared between frames until the next /tf message (frames never mutate them). */
  private transforms(): Transform[] {
    if (!this.snapshot) this.snapshot = [...this.edges.values()];
    return this.snapshot;
  }
}
