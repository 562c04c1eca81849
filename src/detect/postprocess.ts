/**
 * A model output → each image's kept candidates (input pixels, model class indices): the card's adapter, then
 * class-aware NMS. Runs in the prep worker (prepWorker.mjs), where the output arrives, so only a few boxes per image cross to
 * the main thread instead of the whole output tensor (1.2 MB a frame for YOLOX-Nano; as external memory on
 * the main thread it set off a full garbage collection every ~8 frames).
 */
import type { OutputLayout } from './card.ts';
import { adapters, type DecodeParams } from './adapters/index.ts';
import { type Candidate, type NmsOptions, nms } from './nms.ts';

export interface PostSpec {
  layout: OutputLayout;
  params: DecodeParams;
  nms: NmsOptions;
}

/**
 * `dims` is the output's shape, batch first; one candidate list per image, best first. An output that is not
 * [batch, rows, columns] gives empty lists: the caller checks the shape against the card and reports it.
 */
export function postprocess(data: Float32Array, dims: readonly number[], spec: PostSpec): Candidate[][] {
  if (dims.length !== 3) return Array.from({ length: dims[0] ?? 0 }, () => []);
  const per = dims.slice(1);
  const size = per.reduce((a, b) => a * b, 1);
  const out: Candidate[][] = [];
  for (let b = 0; b < (dims[0] ?? 0); b++) {
    const slice = data.subarray(b * size, (b + 1) * size);
    out.push(nms(adapters[spec.layout](slice, per, spec.params).filter(finite), spec.nms));
  }
  return out;
}

/**
 * A NaN or infinite box or score is a broken output (an overflowed exp, a bad export), not a detection: an
 * infinite box would be clipped to the whole image and an infinite score would outrank every real one.
 */
function finite(c: Candidate): boolean {
  return (
    Number.isFinite(c.score) &&
    Number.isFinite(c.x1) &&
    Number.isFinite(c.y1) &&
    Number.isFinite(c.x2) &&
    Number.isFinite(c.y2)
  );
}
