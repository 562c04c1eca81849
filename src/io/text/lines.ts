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

/**
 * Each (frame, id) of a text file with the line that gave it: `add` refuses an id given twice in a frame, naming
 * both lines (`idName` as the format calls the column: `id`, `track_id`).
 */
export class FrameIds {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly error: ReturnType<typeof lineErrors>,
    private readonly idName = 'id',
  ) {}

  add(frame: number, id: number, line: number): void {
    const key = `${frame} ${id}`;
    const first = this.seen.get(key);
    if (first !== undefined) {
      throw this.error(
        `${this.idName} ${id} twice in frame ${frame} (also line ${first})`,
        line,
        'ids must be unique within a frame',
      );
    }
    this.seen.set(key, line);
  }
}
