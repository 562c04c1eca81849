/**
 * Detector training data from scenarios: every camera image (JPEG) of every `stride`-th frame, with labels in
 * YOLO (Ultralytics: `labels/<split>/<name>.txt`, `class cx cy w h` normalized, plus `data.yaml`) and COCO
 * (`annotations/instances_<split>.json`, bbox [x, y, w, h] in pixels) formats. The split is by scenario, so no
 * scene leaks from train into val. Boxes are the ground-truth visible-pixel boxes; actors less visible than
 * `minVisible` or smaller than `minBoxPx` tall are left out.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VIPER_CLASSES } from '../contracts/classes.ts';
import { encodeJpeg, rgbOf } from './record.ts';
import { frameCount, simulateFrames } from './simulate.ts';
import type { World } from './world/world.ts';
import { makeDirs } from '../io/makeDirs.ts';

export type Split = 'train' | 'val';

interface DatasetOptions {
  /** Keep every n-th frame (default 5: 2 Hz at 10 Hz). */
  stride?: number;
  minVisible?: number;
  minBoxPx?: number;
}

interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}
interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0;
  attributes: { track: string; visible_fraction: number };
}

/** Split scenarios by name: listed `val` names go to val; otherwise every 5th name (sorted) does. */
export function splitFor(name: string, allNames: string[], val?: string[]): Split {
  if (val && val.length > 0) return val.includes(name) ? 'val' : 'train';
  const sorted = [...allNames].sort();
  if (sorted.length < 2) return 'train';
  const i = sorted.indexOf(name);
  if (sorted.length < 5) return i === sorted.length - 1 ? 'val' : 'train';
  return i % 5 === 4 ? 'val' : 'train';
}

/** The file that marks a folder as a dataset Viper wrote (and may replace). */
export const DATASET_MARKER = '.viper-dataset';

export class DatasetWriter {
  private coco: Record<Split, { images: CocoImage[]; annotations: CocoAnnotation[] }> = {
    train: { images: [], annotations: [] },
    val: { images: [], annotations: [] },
  };
  private nextImage = 1;
  private nextAnn = 1;
  /** Images and boxes written, and the images of each split. */
  readonly counts = { images: 0, labels: 0, train: 0, val: 0 };

  constructor(readonly dir: string) {}

  async addScenario(
    world: World,
    split: Split,
    opts: DatasetOptions = {},
    onFrame?: () => void,
  ): Promise<void> {
    const s = world.scenario;
    const stride = opts.stride ?? 5;
    const minVisible = opts.minVisible ?? 0.2;
    const minBoxPx = opts.minBoxPx ?? 6;
    const imgDir = join(this.dir, 'images', split);
    const lblDir = join(this.dir, 'labels', split);
    await makeDirs(imgDir, '--export-dataset');
    await makeDirs(lblDir, '--export-dataset');
    const frames = Array.from({ length: frameCount(s) }, (_, k) => k).filter((k) => k % stride === 0);
    for (const f of simulateFrames(world, { frames })) {
      const jobs = f.images.map(async (img) => {
        const name = `${s.name}_${img.cameraId}_${String(f.k).padStart(5, '0')}`;
        const jpeg = await encodeJpeg(rgbOf(img.color), img.width, img.height, s.sensor.jpegQuality);
        return { img, name, jpeg };
      });
      for (const { img, name, jpeg } of await Promise.all(jobs)) {
        await writeFile(join(imgDir, `${name}.jpg`), jpeg);
        const imageId = this.nextImage++;
        this.coco[split].images.push({
          id: imageId,
          file_name: `images/${split}/${name}.jpg`,
          width: img.width,
          height: img.height,
        });
        const lines: string[] = [];
        for (const a of f.gt.actors) {
          const v = a.cameras.find((c) => c.cameraId === img.cameraId);
          if (!v || v.visibleFraction < minVisible || v.box.y2 - v.box.y1 < minBoxPx) continue;
          const cls = VIPER_CLASSES.indexOf(a.cls);
          const { x1, y1, x2, y2 } = v.box;
          const w = x2 - x1;
          const h = y2 - y1;
          lines.push(
            `${cls} ${((x1 + w / 2) / img.width).toFixed(6)} ${((y1 + h / 2) / img.height).toFixed(6)} ${(w / img.width).toFixed(6)} ${(h / img.height).toFixed(6)}`,
          );
          this.coco[split].annotations.push({
            id: this.nextAnn++,
            image_id: imageId,
            category_id: cls + 1,
            bbox: [x1, y1, w, h],
            area: w * h,
            iscrowd: 0,
            attributes: { track: `${s.name}/${a.id}`, visible_fraction: v.visibleFraction },
          });
        }
        await writeFile(join(lblDir, `${name}.txt`), lines.length ? `${lines.join('\n')}\n` : '');
        this.counts.images++;
        this.counts[split]++;
        this.counts.labels += lines.length;
      }
      onFrame?.();
    }
  }

  /** Write data.yaml and the COCO annotation files. */
  /**
   * Creates the folder with the mark `--export-dataset` looks for before it replaces a folder (only what Viper
   * wrote is replaced), first, so a partial folder left by a killed run is marked too.
   */
  async begin(): Promise<void> {
    await makeDirs(this.dir, '--export-dataset');
    await writeFile(join(this.dir, DATASET_MARKER), 'written by viper simulate --export-dataset\n');
  }

  async finish(): Promise<void> {
    const names = VIPER_CLASSES.map((c, i) => `  ${i}: ${c}`).join('\n');
    await writeFile(
      join(this.dir, 'data.yaml'),
      `path: .\ntrain: images/train\nval: images/val\nnames:\n${names}\n`,
    );
    await makeDirs(join(this.dir, 'annotations'), '--export-dataset');
    const categories = VIPER_CLASSES.map((c, i) => ({ id: i + 1, name: c, supercategory: 'road_user' }));
    for (const split of ['train', 'val'] as const) {
      const body = {
        info: { description: 'Viper simulator ground truth', version: '1' },
        categories,
        ...this.coco[split],
      };
      await writeFile(join(this.dir, 'annotations', `instances_${split}.json`), JSON.stringify(body));
    }
  }
}
