/**
 * One detector shared by many feeds replayed at once (`viper replay a.mcap b.mcap …`): the model is loaded once,
 * and the frames of every feed that asks while a call is running go to the model together in the next call, so
 * batches fill across feeds (one fixed camera per feed gives a run of one camera's batch alone). Each feed's detect
 * stage holds a lease; the detector closes when the last lease does. Results do not depend on which frames share a
 * call (each frame's detections are its own), so every feed's output is what it would be replayed alone.
 */
import type { CameraFrame } from '../contracts/camera.ts';
import type { Detector, FrameDetections } from './Detector.ts';

/** What a detect stage needs of a detector (Detector itself, or a lease of a shared one). */
export type DetectorLike = Pick<
  Detector,
  'card' | 'executionProvider' | 'fallbacks' | 'detect' | 'describe' | 'close'
>;

interface Request {
  frames: readonly CameraFrame[];
  resolve: (r: FrameDetections[]) => void;
  reject: (e: unknown) => void;
}

/** Calls in flight at once: one decoding while the other's runs are with the model, as a single feed has. */
const IN_FLIGHT = 2;

/**
 * Frames one call may carry (a request is never split, so one larger than this goes alone). Without a cap, a
 * call made while hundreds of feeds wait would decode all their frames at once: memory grows with the feeds.
 */
export const MAX_CALL_FRAMES = 64;

export class SharedDetector {
  private readonly waiting: Request[] = [];
  private inFlight = 0;
  private leases = 0;
  private feeds = 0;
  /** Calls made and the most frames one of them carried, for the run summary. */
  private calls = 0;
  private largestCall = 0;

  constructor(
    private readonly detector: Detector,
    private readonly maxCallFrames = MAX_CALL_FRAMES,
    /**
     * Ctrl-C (`stopped`): the calls running finish, and the frames still waiting are not detected (their requests
     * reject with `DetectStopped`), so that every feed stops within the call in flight rather than after the
     * hundreds of frames all feeds together had queued (36 s with the model at 32 feeds at once).
     */
    private readonly control?: { readonly stopped: boolean },
  ) {}

  /** A detector for one feed's detect stage; closing it releases the lease. */
  lease(): DetectorLike {
    this.leases++;
    this.feeds++;
    let open = true;
    const det = this.detector;
    // This feed's own counts; the detector's (runs, all frames) are the feeds' together.
    const mine = { frames: 0, decodeErrors: 0 };
    return {
      card: det.card,
      executionProvider: det.executionProvider,
      fallbacks: det.fallbacks,
      detect: async (frames) => {
        // A closed lease must not keep a detector other feeds may already have closed in use.
        if (!open) throw new Error('detect after close: this feed has released the shared detector');
        const results = await this.detect(frames);
        mine.frames += results.length;
        mine.decodeErrors += results.filter((r) => r.error !== undefined).length;
        return results;
      },
      // The detector's own counts (runs, every feed's frames) are the feeds' together: `describe` below.
      describe: () => {
        const { frames: _all, runs: _runs, decodeErrors: _errors, ...facts } = det.describe();
        return { ...facts, ...mine, sharedBy: this.feeds };
      },
      close: async () => {
        if (!open) return;
        open = false;
        if (--this.leases === 0) await det.close();
      },
    };
  }

  /** The shared detector's totals over every feed: frames, runs, calls and the most frames one call carried. */
  describe(): Record<string, unknown> {
    const { frames, runs, decodeErrors } = this.detector.stats;
    return {
      feeds: this.feeds,
      frames,
      decodeErrors,
      runs,
      calls: this.calls,
      largestCall: this.largestCall,
    };
  }

  private detect(frames: readonly CameraFrame[]): Promise<FrameDetections[]> {
    if (this.control?.stopped) return Promise.reject(new DetectStopped());
    return new Promise((resolve, reject) => {
      this.waiting.push({ frames, resolve, reject });
      this.pump();
    });
  }

  /** What is waiting goes to the detector in one call (up to the cap), while fewer than IN_FLIGHT are running. */
  private pump(): void {
    if (this.control?.stopped) {
      for (const r of this.waiting.splice(0)) r.reject(new DetectStopped());
      return;
    }
    while (this.inFlight < IN_FLIGHT && this.waiting.length > 0) {
      let n = 1;
      let size = this.waiting[0]!.frames.length;
      while (n < this.waiting.length && size + this.waiting[n]!.frames.length <= this.maxCallFrames) {
        size += this.waiting[n]!.frames.length;
        n++;
      }
      const requests = this.waiting.splice(0, n);
      const frames = requests.flatMap((r) => r.frames);
      this.inFlight++;
      this.calls++;
      this.largestCall = Math.max(this.largestCall, frames.length);
      this.detector
        .detect(frames)
        .then(
          (results) => {
            let k = 0;
            for (const r of requests) {
              r.resolve(results.slice(k, k + r.frames.length));
              k += r.frames.length;
            }
          },
          (err: unknown) => {
            for (const r of requests) r.reject(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

/**
 * A feed's frames not detected because the run was stopped (Ctrl-C): not a failure. The replay ends its results
 * at the last rig frame detected, finalized and marked interrupted.
 */
export class DetectStopped extends Error {
  constructor() {
    super('stopped before these frames were detected');
  }
}
