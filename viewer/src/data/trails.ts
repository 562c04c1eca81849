/**
 * Short trails behind world objects: each frame's object positions (odom), kept for the frames a trail spans
 * and a few more, so sequential playback decodes every frame's objects once and a trail is assembled from memory.
 */
import type { ShownObjects } from './normalize.ts';

const TRAIL_FRAMES = 20;

type Point = [number, number, number];

export class Trails {
  /** Frame index → object id → position of that frame; bounded to 4 × TRAIL_FRAMES frames. */
  private readonly byFrame = new Map<number, Map<number, Point>>();

  /** The first frame of the trail ending at `index`. */
  static first(index: number): number {
    return Math.max(0, index - TRAIL_FRAMES);
  }

  /** Whether every frame of the trail before `index` is known. */
  complete(index: number): boolean {
    for (let j = Trails.first(index); j < index; j++) if (!this.byFrame.has(j)) return false;
    return true;
  }

  has(frame: number): boolean {
    return this.byFrame.has(frame);
  }

  /** Keep a frame's object positions, dropping the oldest frames kept beyond the bound. */
  record(frame: number, objects: ShownObjects | null): void {
    this.byFrame.set(frame, new Map((objects?.objects ?? []).map((w) => [w.id, [...w.box.center] as Point])));
    while (this.byFrame.size > 4 * TRAIL_FRAMES) this.byFrame.delete(this.byFrame.keys().next().value!);
  }

  /** Object id → positions, oldest first, over the frames of the trail ending at `index`. */
  ending(index: number): Map<number, Point[]> {
    const out = new Map<number, Point[]>();
    for (let j = Trails.first(index); j <= index; j++) {
      for (const [id, p] of this.byFrame.get(j) ?? []) {
        let trail = out.get(id);
        if (!trail) {
          trail = [];
          out.set(id, trail);
        }
        trail.push(p);
      }
    }
    return out;
  }
}
