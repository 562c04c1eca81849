/** What the line-based tracking text readers (MOTChallenge, KITTI) share: their options and error places. */
import { otherKind } from '../fileKind.ts';
import { readFile } from 'node:fs/promises';
import { InputError, systemFailure } from '../../contracts/errors.ts';

export interface TextReadOptions {
  /** Refuse an id twice in one frame (a tracking file; TrackEval refuses it too), naming both lines. */
  uniqueIds?: boolean;
  /** The file's name, put before the line number in errors. */
  source?: string;
}

/**
 * A column as a decimal number, or NaN. `Number()` alone also reads `0x10`, `0b1`, `0o7` and an empty string,
 * which no tracking file means: such a line is refused rather than read as 16, 1, 7 or 0.
 */
export function decimal(col: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(col) ? Number(col) : Number.NaN;
}

/** An error maker naming `<source>: <format> line <n>`. */
export function lineErrors(format: string, opts: TextReadOptions) {
  const at = opts.source ? `${opts.source}: ${format} line` : `${format} line`;
  return (what: string, line: number, hint: string) => new InputError({ what, where: `${at} ${line}`, hint });
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

/** A text input read whole: a missing or unreadable file is one line naming it (as a missing recording is). */
export async function readTextInput(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({
      what:
        code === 'ENOENT'
          ? 'file not found'
          : code === 'EISDIR'
            ? 'a folder, not a file'
            : `cannot read it (${systemFailure(err) ?? (err as Error).message.split('\n')[0]})`,
      where: path,
      hint: 'check the path',
      cause: err,
    });
  }
  const other = otherKind(bytes.subarray(0, 16), path);
  if (other && other.kind !== 'yaml')
    throw new InputError({ what: `${other.what}, not a text file of rows`, where: path, hint: other.hint });
  return bytes.toString('utf8');
}
