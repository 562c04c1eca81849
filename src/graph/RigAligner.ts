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

interface AlignOptions {
  /** Camera ids of the rig, in output order; cameras not listed join the rig when they first appear. */
  cameras: readonly string[];
  /** Largest |t − tRef| for a frame to join the open rig frame. */
  toleranceNs: TimeNs;
}

interface AlignStep {
  /** The rig frame that the pushed frame closed before joining a new one. */
  closedBefore?: RigFrame;
  /** The rig frame that the pushed frame completed (every camera present). */
  closedAfter?: RigFrame;
}

export class RigAligner {
  private readonly cameras: string[];
  /** Cameras that have delivered a frame (the others in `cameras` are guesses from topic names). */
  private readonly seen = new Set<string>();
  /** Entries of `cameras` that stood for topics whose frames turned out to be other cameras' (`resolveGuess`). */
  private readonly resolved = new Map<string, number>();
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

  /**
   * One of the `cameras` given was guessed from a topic name, and that topic's first frame is of camera `actual`
   * (its frame_id). Where that makes the entry redundant (`actual` is another camera, or the guessed camera also
   * has an entry of its own), it still counts towards the open rig frame, so that the frame does not close before
   * the cameras it stood for have joined, but it is never reported missing, and it leaves the rig when the frame
   * closes.
   */
  resolveGuess(guess: string, actual: string): void {
    if (actual === guess && !this.seen.has(guess)) return; // the entry is that camera's own
    this.giveUpGuess(guess);
  }

  /**
   * One of the `cameras` given was guessed from a topic name whose images are no camera (a depth image): as a
   * wrong guess (`resolveGuess`), never reported missing, and it leaves the rig when the open frame closes.
   */
  giveUpGuess(guess: string): void {
    if (this.entries(guess) - (this.seen.has(guess) ? 1 : 0) > 0)
      this.resolved.set(guess, this.resolvedOf(guess) + 1);
  }

  push(frame: CameraFrame): AlignStep {
    const step: AlignStep = {};
    const id = frame.cameraId;
    // A camera whose every entry was given up as a wrong guess takes one back.
    if (!this.seen.has(id) && this.resolvedOf(id) > 0 && this.entries(id) === 0)
      this.resolved.set(id, this.resolvedOf(id) - 1);
    this.seen.add(id);
    if (!this.cameras.includes(id)) this.cameras.push(id);
    if (this.open) {
      const dt = frame.tNs - this.open.tNs;
      const within = (dt < 0n ? -dt : dt) <= this.toleranceNs;
      const dup = this.open.frames.some((f) => f.cameraId === id);
      if (!within || dup) step.closedBefore = this.close();
    }
    if (!this.open) this.open = { tNs: frame.tNs, frames: [] };
    this.open.frames.push(frame);
    if (this.open.frames.length >= this.cameras.length) step.closedAfter = this.close();
    return step;
  }

  /** Entries of `id` in the rig not given up as wrong guesses. */
  private entries(id: string): number {
    let n = 0;
    for (const c of this.cameras) if (c === id) n++;
    return n - this.resolvedOf(id);
  }

  private resolvedOf(id: string): number {
    return this.resolved.get(id) ?? 0;
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
    const rig: RigFrame = {
      feedId: this.feedId,
      tNs: open.tNs,
      seq: this.seq++,
      frames: [...open.frames].sort((a, b) => order(a.cameraId) - order(b.cameraId)),
      missing: [...new Set(this.cameras)].filter((c) => !present.has(c) && this.entries(c) > 0),
    };
    // Wrong guesses leave (their last entries: the first keeps the camera's place in the order).
    for (const [guess, n] of this.resolved) {
      for (let k = 0; k < n; k++) this.cameras.splice(this.cameras.lastIndexOf(guess), 1);
    }
    this.resolved.clear();
    return rig;
  }
}
