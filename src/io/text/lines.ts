/** What the line-based tracking text readers (MOTChallenge, KITTI) share: their options and error places. */
import { ViperError } from '../../contracts/errors.ts';

export interface TextReadOptions {
  /** Refuse an id twice in one frame (a tracking file; TrackEval refuses it too), naming both lines. */
  uniqueIds?: boolean;
  /** The file's name, put before the line number in errors. */
  source?: string;
}

/** An error maker naming `<source>: <format> line <n>`. */
export function lineErrors(format: string, opts: TextReadOptions) {
  const at = opts.source ? `${opts.source}: ${format} line` : `${format} line`;
  return (what: string, line: number, hint: string) =>
    new ViperError('input', { what, where: `${at} ${line}`, hint });
}

/** Each (frame, id) of a text file with the line that gave it, so an id given twice in a frame names both lines. */
export class FrameIds {
  private readonly seen = new Map<string, number>();

  /** The earlier line that gave `id` in `frame`; undefined the first time (and `line` is remembered). */
  repeated(frame: number, id: number, line: number): number | undefined {
    const key = `${frame} ${id}`;
    const first = this.seen.get(key);
    if (first === undefined) this.seen.set(key, line);
    return first;
  }
}
