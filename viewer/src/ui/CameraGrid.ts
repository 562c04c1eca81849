/**
 * The camera grid: one canvas per camera with its image and the 2D boxes (each in its annotation's outline_color as
 * Foxglove draws it, else viper's colour for its track id; label "id cls"),
 * optionally the ground-truth boxes (dashed white) and highlighted id switches. Images are decoded off the main
 * thread (createImageBitmap) and a frame is drawn only once all its images are ready, so boxes never sit on the
 * wrong image.
 */
import type { CameraInfo, FrameData } from '../data/Recording.ts';
import type { CameraBox, CameraImage } from '../data/normalize.ts';
import { colorForTrack, cssColor } from '../state/colors.ts';
import type { CameraMetrics } from './frameMetrics.ts';
import { placeLabel, type Rect } from './labelPlacement.ts';
import { noImageNote, sizeToCoverBoxes } from './notes.ts';

interface DrawnBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  trackId: number | null;
  cls: string;
  /** CSS colour used for the outline. */
  color: string;
  idSwitch: boolean;
  /** Where its label was drawn (image pixels), when it has one. */
  label: Rect | null;
}

interface DrawnCamera {
  camera: string;
  /** Canvas pixel size (= image size). */
  width: number;
  height: number;
  boxes: DrawnBox[];
  gtBoxes: { id: string; x1: number; y1: number; x2: number; y2: number }[];
  /** Why no picture is drawn ('no image' when the frame has none); empty when the image is drawn. */
  imageNote: string;
}

const UNTRACKED = 'rgb(200,200,200)';

const RAW_CHANNELS: Record<string, number> = { rgb8: 3, bgr8: 3, mono8: 1, rgba8: 4, bgra8: 4 };

/** The image as a bitmap, or why it cannot be shown (a one-line note drawn on the camera's canvas). */
async function toBitmap(img: CameraImage): Promise<ImageBitmap | string> {
  if (img.kind === 'compressed') {
    // ROS formats name more than the codec ("bgr8; png compressed bgr8").
    const format = /png/i.test(img.format) ? 'png' : 'jpeg';
    try {
      return await createImageBitmap(new Blob([img.data as BlobPart], { type: `image/${format}` }));
    } catch {
      return `${format} image does not decode (${img.data.length} bytes)`;
    }
  }
  const { width, height, data, encoding } = img;
  const ch = RAW_CHANNELS[encoding];
  if (!ch) return `raw image encoding '${encoding}' is not shown (rgb8, bgr8, rgba8, bgra8, mono8 are)`;
  // As src/io reads raw images: step 0 means unpadded rows, and the last row need not carry its padding.
  const step = img.step === 0 ? width * ch : img.step;
  if (!(width > 0 && height > 0 && step >= width * ch && data.length >= step * (height - 1) + width * ch)) {
    return `raw ${encoding} image ${width}×${height}, step ${step}: ${data.length} bytes do not fill it`;
  }
  if (width * height > 64e6) return `raw image ${width}×${height} is too large to show`;
  // rgba8 / bgra8 drawn opaque: their alpha dropped, as replay reads them.
  const bgr = encoding === 'bgr8' || encoding === 'bgra8';
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = y * step + x * ch;
      const d = (y * width + x) * 4;
      const r = data[s]!;
      const g = ch === 1 ? r : data[s + 1]!;
      const b = ch === 1 ? r : data[s + 2]!;
      rgba[d] = bgr ? b : r;
      rgba[d + 1] = g;
      rgba[d + 2] = bgr ? r : b;
      rgba[d + 3] = 255;
    }
  }
  try {
    return await createImageBitmap(new ImageData(rgba, width, height));
  } catch {
    return `raw ${encoding} image ${width}×${height} does not draw`;
  }
}

export class CameraGrid {
  private readonly canvases = new Map<string, HTMLCanvasElement>();
  /** Per camera, the note drawn when a frame has no image of it. */
  private readonly noImage = new Map<string, string>();
  /** Cameras with neither image nor calibration: their blank canvas grows to cover their boxes. */
  private readonly sizedByBoxes = new Set<string>();
  /** What the last draw put on each canvas (read by tests and the metrics panel). */
  drawn: DrawnCamera[] = [];
  private drawSeq = 0;

  /**
   * @param softwareCanvas draw on CPU-backed canvases: when WebGL itself is software (SwiftShader), "accelerated"
   * 2D canvases are emulated too and cost several times more than Skia's CPU raster.
   * @param resultsOnly the file was written with `replay --results-only` (Recording.resultsOnly): a camera without
   * images says so; otherwise it says only that the file has none of it.
   */
  constructor(
    root: HTMLElement,
    cameras: CameraInfo[],
    private readonly softwareCanvas = false,
    resultsOnly = false,
  ) {
    root.replaceChildren();
    root.dataset.count = String(cameras.length);
    for (const cam of cameras) {
      const cell = document.createElement('div');
      cell.className = 'cam';
      const canvas = document.createElement('canvas');
      canvas.dataset.camera = cam.id;
      canvas.width = cam.intrinsics?.width ?? 640;
      canvas.height = cam.intrinsics?.height ?? 360;
      const label = document.createElement('div');
      label.className = 'cam-label';
      label.textContent = cam.id;
      cell.append(canvas, label);
      root.append(cell);
      this.canvases.set(cam.id, canvas);
      this.noImage.set(cam.id, noImageNote(cam, resultsOnly));
      if (cam.imageTopic === null && !cam.intrinsics) this.sizedByBoxes.add(cam.id);
    }
  }

  /** Decode and draw a frame; resolves when drawn (or skipped because a newer frame started drawing). */
  async draw(frame: FrameData, showGt: boolean, metrics: Map<string, CameraMetrics>): Promise<boolean> {
    const seq = ++this.drawSeq;
    const entries = [...this.canvases.keys()];
    const bitmaps = await Promise.all(
      entries.map((id) => {
        const image = frame.images.get(id);
        return image ? toBitmap(image) : (this.noImage.get(id) ?? 'no image');
      }),
    );
    if (seq !== this.drawSeq) {
      for (const b of bitmaps) if (typeof b !== 'string') b.close();
      return false;
    }
    const drawn: DrawnCamera[] = [];
    entries.forEach((id, i) => {
      const canvas = this.canvases.get(id)!;
      const got = bitmaps[i]!;
      const bmp = typeof got === 'string' ? null : got;
      if (bmp && (canvas.width !== bmp.width || canvas.height !== bmp.height)) {
        canvas.width = bmp.width;
        canvas.height = bmp.height;
      }
      if (!bmp && this.sizedByBoxes.has(id)) {
        const gt = showGt ? (metrics.get(id)?.gt ?? []) : [];
        const size = sizeToCoverBoxes(canvas, [...(frame.boxes.get(id) ?? []), ...gt]);
        if (size.width !== canvas.width || size.height !== canvas.height) {
          canvas.width = size.width;
          canvas.height = size.height;
        }
      }
      const ctx = canvas.getContext('2d', { willReadFrequently: this.softwareCanvas })!;
      // Image pixels per screen pixel: labels and lines are sized for the screen, whatever the image's size and
      // the tile's (an 11 px label of a 640 px image read as 4 px in a small window).
      const scale = canvas.clientWidth > 0 ? canvas.width / canvas.clientWidth : 1;
      ctx.fillStyle = '#222';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      if (bmp) {
        ctx.drawImage(bmp, 0, 0);
        bmp.close();
      } else {
        ctx.fillStyle = '#aaa';
        const note = got as string;
        // One line across the top of the canvas (the sky, where boxes seldom are): 13 px on screen, smaller only
        // where a long reason would not fit the tile's width.
        const px = Math.max(
          1,
          Math.min(Math.round(13 * scale), Math.floor((1.8 * canvas.width) / note.length)),
        );
        ctx.font = `${px}px sans-serif`;
        ctx.fillText(note, 10 * scale, px + 6 * scale);
      }
      const m = metrics.get(id);
      const gtBoxes = showGt && m ? m.gt : [];
      this.drawGt(ctx, gtBoxes, scale);
      const boxes = frame.boxes.get(id) ?? [];
      const switched = new Set(m?.switches.map((s) => s.pred) ?? []);
      // Every outline first, then every label: a neighbour's outline drawn later had cut through a label.
      const outlined = boxes.map((b, k) => this.outline(ctx, id, b, switched.has(k), scale));
      const labels: Rect[] = [];
      drawn.push({
        camera: id,
        width: canvas.width,
        height: canvas.height,
        boxes: outlined.map((d, k) => ({ ...d, label: this.label(ctx, boxes[k]!, d, scale, labels) })),
        gtBoxes: gtBoxes.map((g) => ({ id: g.id, x1: g.x1, y1: g.y1, x2: g.x2, y2: g.y2 })),
        imageNote: bmp ? '' : (got as string),
      });
    });
    this.drawn = drawn;
    return true;
  }

  /** Ground truth: white dashes over a dark line, 1.5 screen px, so it shows on sky and pavement alike. */
  private drawGt(ctx: CanvasRenderingContext2D, gt: CameraMetrics['gt'], scale: number): void {
    const lw = 1.5 * scale;
    ctx.save();
    ctx.lineWidth = lw * 2;
    ctx.strokeStyle = 'rgba(0,0,0,0.55)';
    for (const g of gt) ctx.strokeRect(g.x1, g.y1, g.x2 - g.x1, g.y2 - g.y1);
    ctx.setLineDash([6 * lw, 4 * lw]);
    ctx.lineWidth = lw;
    ctx.strokeStyle = 'rgba(255,255,255,0.95)';
    for (const g of gt) ctx.strokeRect(g.x1, g.y1, g.x2 - g.x1, g.y2 - g.y1);
    ctx.restore();
  }

  /** A box's outline, 2 screen px (4 for an id switch). */
  private outline(
    ctx: CanvasRenderingContext2D,
    camera: string,
    b: CameraBox,
    idSwitch: boolean,
    scale: number,
  ): Omit<DrawnBox, 'label'> {
    const color = b.color
      ? cssColor(b.color)
      : b.trackId === null
        ? UNTRACKED
        : cssColor(colorForTrack(camera, b.trackId));
    const lw = Math.max(1, 2 * scale);
    ctx.lineWidth = idSwitch ? lw * 2 : lw;
    ctx.strokeStyle = idSwitch ? '#ff00ff' : color;
    ctx.strokeRect(b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1);
    return { x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, trackId: b.trackId, cls: b.cls, color, idSwitch };
  }

  /** A box's label, 11 screen px, in its colour, placed off the labels already drawn (`labels`). */
  private label(
    ctx: CanvasRenderingContext2D,
    b: CameraBox,
    d: Omit<DrawnBox, 'label'>,
    scale: number,
    labels: Rect[],
  ): Rect | null {
    const text = `${b.label || b.cls}${d.idSwitch ? ' ID SWITCH' : ''}`;
    if (!text) return null;
    const fs = Math.max(1, Math.round(11 * scale));
    const pad = 3 * scale;
    ctx.font = `bold ${fs}px sans-serif`;
    const tw = ctx.measureText(text).width;
    const r = placeLabel(b.x1, b.y1, tw + 2 * pad, fs + 4 * scale, ctx.canvas, labels);
    ctx.fillStyle = d.idSwitch ? '#ff00ff' : d.color;
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.fillStyle = '#000';
    ctx.fillText(text, r.x + pad, r.y + fs + scale);
    return r;
  }
}
