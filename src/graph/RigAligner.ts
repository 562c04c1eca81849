/**
 * Approximate-time alignment of one feed's cameras into rig frames.
 *
 * Frames arrive in log-time order. A rig frame opens with the first camera frame after the previous one closed
 * (its stamp is the reference `tNs`) and takes each other camera's first frame within `toleranceNs` of it. It
 * closes when every camera of the rig is present, when a frame arrives outside the tolerance, or when a camera
 * already in it delivers again. Cameras that did not deliver are listed in `missing`, never silently dropped.
 * Pure and synchronous: the same input sequence always gives the same rig frames.
 */
import type { CameraFrame, RigFrame } from '../contracts/camera.ts';
import type { TimeNs } from '../contracts/time.ts';

export interface AlignOptions {
  /** Camera ids of the rig, in output order; cameras not listed join the rig when they first appear. */
  cameras: readonly string[];
  /** Largest |t − tRef| for a frame to join the open rig frame. */
  toleranceNs: TimeNs;
}

export interface AlignStep {
  /** The rig frame that the pushed frame closed before joining a new one. */
  closedBefore?: RigFrame;
  /** The rig frame that the pushed frame completed (every camera present). */
  closedAfter?: RigFrame;
}

export class RigAligner {
  private readonly cameras: string[];
  private readonly toleranceNs: TimeNs;
  private open: { tNs: TimeNs; frames: CameraFrame[] } | undefined;
  private seq = 0;

  constructor(
    private readonly feedId: string,
    opts: AlignOptions,
  ) {
    this.cameras = [...opts.cameras];
    this.toleranceNs = opts.toleranceNs;
  }

  get rigCameras(): readonly string[] {
    return this.cameras;
  }

  push(frame: CameraFrame): AlignStep {
    const step: AlignStep = {};
    if (!this.cameras.includes(frame.cameraId)) this.cameras.push(frame.cameraId);
    if (this.open) {
      const dt = frame.tNs - this.open.tNs;
      const within = (dt < 0n ? -dt : dt) <= this.toleranceNs;
      const dup = this.open.frames.some((f) => f.cameraId === frame.cameraId);
      if (!within || dup) step.closedBefore = this.close();
    }
    if (!this.open) this.open = { tNs: frame.tNs, frames: [] };
    this.open.frames.push(frame);
    if (this.open.frames.length >= this.cameras.length) step.closedAfter = this.close();
    return step;
  }

  /** Close the open rig frame, if any (end of stream). */
  flush(): RigFrame | undefined {
    return this.open ? this.close() : undefined;
  }

  private close(): RigFrame {
    const open = this.open!;
    this.open = undefined;
    const present = new Set(open.frames.map((f) => f.cameraId));
    const order = (id: string) => this.cameras.indexOf(id);
    return {
      feedId: this.feedId,
      tNs: open.tNs,
      seq: this.seq++,
      frames: [...open.frames].sort((a, b) => order(a.cameraId) - order(b.cameraId)),
      missing: this.cameras.filter((c) => !present.has(c)),
    };
  }
}
