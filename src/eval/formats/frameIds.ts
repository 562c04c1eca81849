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
