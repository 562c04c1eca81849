/**
 * The web viewer in Debian's chromium (playwright-core, WebGL through SwiftShader): loads generated results
 * files served by `viper view`'s server, checks the boxes drawn (app state and screenshot pixels), scrubs,
 * steps into an id switch, toggles ground truth, plays, opens a file without ground truth by the file picker
 * and a corrupt file, and takes the README's screenshots: into docs/ with `VIPER_SCREENSHOTS=docs` (to update
 * them), else into a temporary folder, so that a test run leaves the working tree as it was.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { replay } from '../../src/graph/replay.ts';
import { startViewServer, type ViewServer } from '../../src/live/ViewServer.ts';
import { colorForId, colorForTrack } from '../../src/track/colors.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import { NO_IMAGES_NOTE, NO_SIZE_NOTE } from '../../viewer/src/ui/notes.ts';
import { repoRoot } from '../shared.ts';
import { buildViewerInto, CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../testing/chromium.ts';
import { testJpeg } from '../testing/recordings.ts';
import { oneTrackStage } from '../testing/stages.ts';
import {
  CAMERAS,
  EXPECTED,
  frameOfMarker,
  layout,
  rgb255,
  SCENE_COLORS_JS,
  type SceneColor,
  SWITCH_FRAME,
  srgbToLinear,
  writeFixture,
} from './fixtures.ts';

const chromiumHere = hasChromium('viewer browser tests');
const W = 640;
const H = 360;

interface Drawn {
  camera: string;
  width: number;
  height: number;
  boxes: {
    x1: number;
    y1: number;
    x2: number;
    y2: number;
    trackId: number | null;
    cls: string;
    color: string;
    idSwitch: boolean;
    label: { x: number; y: number; w: number; h: number } | null;
  }[];
  gtBoxes: { id: string }[];
  imageNote: string;
}
interface AppState {
  file: string | null;
  error: string;
  frameCount: number;
  index: number;
  shownIndex: number;
  drawCount: number;
  playing: boolean;
  showGt: boolean;
  hasGroundTruth: boolean;
  cameras: string[];
  drawn: Drawn[];
  metrics: {
    tp: number;
    fp: number;
    fn: number;
    idSwitches: number;
    switchesKnown: boolean;
    perCamera: { camera: string; tp: number; fp: number; fn: number }[];
  };
  scene: {
    objects: number;
    trails: number;
    arrows: number;
    gtBoxes: number;
    frustums: number;
    ego: boolean;
  } | null;
  fps: { raf: number; shown: number };
  bytesRead: number | null;
}

let dir: string;
/** Where the screenshots go (see the file comment). */
let shots: string;
let browser: BrowserContext;
let page: Page;
let server: ViewServer;
let results: string;
let noGt: string;
let corrupt: string;
let damagedLz4: string;
let recording: string;
let badImage: string;
let lagged: string;
let resultsOnly: string;
let uncalibrated: string;

/** A box in a 1600×900 image's pixels, below the 640×360 a canvas without calibration starts at. */
const DEEP_BOX = { x1: 700, y1: 500, x2: 900, y2: 820 };

/** The results-only file of a recording without calibration (`/cam_solo/image`): one box at DEEP_BOX a frame. */
async function uncalibratedResultsOnly(): Promise<string> {
  const input = join(dir, 'uncalibrated.mcap');
  const w = await RecordingWriter.create(input, { compression: 'none' });
  const img = await w.addChannel('/cam_solo/image', { kind: 'foxglove', name: 'foxglove.CompressedImage' });
  for (let i = 0; i < 3; i++) {
    const t = 1_700_000_000_000_000_000n + BigInt(i) * 100_000_000n;
    const timestamp = { sec: Number(t / 1_000_000_000n), nsec: Number(t % 1_000_000_000n) };
    await w.writeObject(img, t, {
      timestamp,
      frame_id: 'cam_solo',
      data: await testJpeg(i, 64, 36),
      format: 'jpeg',
    });
  }
  await w.close();
  const output = join(dir, 'uncalibrated-results-only.mcap');
  await replay({ input, output, stages: [oneTrackStage(DEEP_BOX)], resultsOnly: true });
  return output;
}

// Page-side code is passed as strings: this file is type-checked without the DOM lib.
const state = (): Promise<AppState> => page.evaluate('window.viper.state()') as Promise<AppState>;
const until = (expr: string, timeout = 15_000) =>
  page.waitForFunction(`(() => { const s = window.viper?.state(); return !!s && (${expr}); })()`, undefined, {
    timeout,
  });
const scrubTo = (i: number) =>
  page.evaluate(
    `(() => { const r = document.getElementById('scrub'); r.value = '${i}'; r.dispatchEvent(new Event('input', { bubbles: true })); })()`,
  );

async function waitShown(index: number): Promise<AppState> {
  await until(`s.shownIndex === ${index} && s.index === ${index}`);
  return state();
}

/** Pixel colour at canvas coordinates (cx, cy) of a camera, read from a page screenshot. */
async function screenshotPixels(camera: string) {
  const canvas = page.locator(`canvas[data-camera="${camera}"]`);
  const box = (await canvas.boundingBox())!;
  const png = await page.screenshot();
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return (cx: number, cy: number, radius = 2): [number, number, number][] => {
    const px = box.x + (cx / W) * box.width;
    const py = box.y + (cy / H) * box.height;
    const out: [number, number, number][] = [];
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) {
        const x = Math.round(px + dx);
        const y = Math.round(py + dy);
        const o = (y * info.width + x) * info.channels;
        out.push([data[o]!, data[o + 1]!, data[o + 2]!]);
      }
    }
    return out;
  };
}

const dist = (a: readonly number[], b: readonly number[]) =>
  Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

describe.skipIf(!chromiumHere)('web viewer (chromium)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'viper-viewer-'));
    const distDir = buildViewerInto(dir);
    shots = process.env.VIPER_SCREENSHOTS === 'docs' ? join(repoRoot, 'docs') : dir;
    mkdirSync(shots, { recursive: true });
    // Small chunks so the file has many and the viewer must seek.
    results = await writeFixture(join(dir, 'results.mcap'), { chunkSize: 48 * 1024 });
    noGt = await writeFixture(join(dir, 'recording-no-gt.mcap'), {
      groundTruth: false,
      compression: 'lz4',
      frames: 8,
    });
    recording = await writeFixture(join(dir, 'sim-recording.mcap'), { perception: false, frames: 6 });
    badImage = await writeFixture(join(dir, 'bad-image.mcap'), { frames: 4, undecodableCamera: 'cam_back' });
    // As a ROS 2 bag's results: images logged 120 ms after their stamps, each marked with its frame index.
    lagged = await writeFixture(join(dir, 'lagged.mcap'), { frames: 6, imageLagMs: 120, frameMarker: true });
    // The same results as `replay --results-only` writes them: perception, calibrations, /tf, ground truth; no images.
    resultsOnly = join(dir, 'results-only.mcap');
    await replay({ input: results, output: resultsOnly, stages: [], resultsOnly: true });
    uncalibrated = await uncalibratedResultsOnly();
    const good = readFileSync(results);
    corrupt = join(dir, 'corrupt.mcap');
    writeFileSync(corrupt, good.subarray(0, Math.floor(good.length * 0.6)));
    // The lz4 file with its first chunk's first block size damaged (after "lz4", the records' length and the
    // LZ4 frame header): the wasm lz4 decoder failed every lz4 chunk after such a one, in any file of the tab.
    const lz4Bytes = Buffer.from(readFileSync(noGt));
    lz4Bytes.writeUInt32LE(0x7fffffff, lz4Bytes.indexOf(Buffer.from('lz4')) + 3 + 8 + 7);
    damagedLz4 = join(dir, 'damaged-lz4.mcap');
    writeFileSync(damagedLz4, lz4Bytes);
    server = await startViewServer({ distDir, file: results });
    // A fresh profile per run (the persistent-context form is how playwright takes --user-data-dir).
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      viewport: { width: 1600, height: 900 },
      args: [
        ...CHROMIUM_ARGS,
        // Software compositing: with a software GPU, compositing the page through SwiftShader cost 3× more
        // than Skia's CPU compositor (measured 270 vs 100 ms per full frame update); WebGL still uses SwiftShader.
        '--disable-gpu-compositing',
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('loads a results file from ?file= and draws the boxes of the frame', async () => {
    await page.goto(server.url);
    const s = await waitShown(0);
    expect(s.error).toBe('');
    expect(s.cameras.sort()).toEqual([...CAMERAS].sort());
    expect(s.frameCount).toBe(30);
    expect(s.hasGroundTruth).toBe(true);
    // Indexed seek: the first frame needed only part of the file.
    expect(s.bytesRead).toBeGreaterThan(0);
    expect(s.bytesRead!).toBeLessThan(statSync(results).size);

    const front = s.drawn.find((d) => d.camera === 'cam_front')!;
    const want = layout('cam_front', 0, W, H).preds;
    expect(front.boxes.map((b) => b.trackId)).toEqual(want.map((p) => p.trackId));
    front.boxes.forEach((b, i) => {
      expect(b.x1).toBeCloseTo(want[i]!.box.x1, 3);
      expect(b.y2).toBeCloseTo(want[i]!.box.y2, 3);
      expect(b.cls).toBe(want[i]!.cls);
      // The colour Foxglove draws the track in: its annotation's outline_color, viper's colorForTrack.
      expect(b.color).toBe(`rgb(${rgb255(colorForTrack('cam_front', want[i]!.trackId)).join(',')})`);
    });
    expect(s.metrics).toMatchObject({ tp: EXPECTED.tp, fp: EXPECTED.fp, fn: EXPECTED.fn, idSwitches: 0 });
    expect(s.metrics.perCamera.find((m) => m.camera === 'cam_front')).toMatchObject({ tp: 3, fp: 1, fn: 1 });
    expect(s.scene).toMatchObject({ objects: 100, frustums: 6, arrows: 100, gtBoxes: 14, ego: true });
    expect(await page.locator('#metrics-total').textContent()).toContain(String(EXPECTED.tp));

    // Pixels: each track's label background is filled with its id colour, by its box; labels are drawn after
    // every outline (none cuts through one) and sized for the screen (11 px text whatever the tile's size).
    const at = await screenshotPixels('cam_front');
    const scale = W / (await page.locator('canvas[data-camera="cam_front"]').boundingBox())!.width;
    front.boxes.forEach((b, i) => {
      const r = b.label!;
      expect(r.h / scale).toBeCloseTo(15, 0); // 11 px text + 4 px of padding, on screen
      expect(Math.abs(r.x - want[i]!.box.x1)).toBeLessThan(r.w);
      const samples = at(r.x + 2 * scale, r.y + 2 * scale, 1);
      const best = Math.min(
        ...samples.map((c) => dist(c, rgb255(colorForTrack('cam_front', want[i]!.trackId)))),
      );
      expect(best, `label colour of track ${want[i]!.trackId}`).toBeLessThan(45);
    });
  });

  test('3D objects are drawn in the colour /perception/scene gives their id (colorForId)', async () => {
    const drawn = (await page.evaluate(SCENE_COLORS_JS)) as SceneColor[];
    expect(drawn).toHaveLength(100);
    for (const d of drawn) {
      const want = colorForId(d.id);
      expect(d.label, `label of object ${d.id}`).toEqual(rgb255(want));
      d.box.forEach((v, k) => {
        expect(v, `box of object ${d.id}`).toBeCloseTo(srgbToLinear([want.r, want.g, want.b][k]!), 4);
      });
    }
  });

  test('scrubs the timeline and highlights an id switch when stepping into it', async () => {
    await scrubTo(20);
    let s = await waitShown(20);
    const front = s.drawn.find((d) => d.camera === 'cam_front')!;
    expect(front.boxes[0]!.x1).toBeCloseTo(layout('cam_front', 20, W, H).preds[0]!.box.x1, 3);
    expect(await page.locator('#time').textContent()).toContain('frame 21/30');
    // Trails: every object has one after a jump (the previous frames are read for it).
    expect(s.scene).toMatchObject({ objects: 100, trails: 100 });
    // Id switches after a jump: not known (no frame before it was shown), said so rather than 0.
    expect(s.metrics.switchesKnown).toBe(false);
    expect(await page.locator('#metrics-total th').last().textContent()).toBe('–');

    await scrubTo(SWITCH_FRAME - 2);
    await waitShown(SWITCH_FRAME - 2);
    await page.locator('body').click({ position: { x: 5, y: 890 } });
    await page.keyboard.press('ArrowRight');
    s = await waitShown(SWITCH_FRAME - 1);
    expect(s.metrics.idSwitches).toBe(0);
    expect(s.metrics.switchesKnown).toBe(true);
    await page.keyboard.press('ArrowRight');
    s = await waitShown(SWITCH_FRAME);
    expect(s.metrics.idSwitches).toBe(1);
    const switched = s.drawn.find((d) => d.camera === 'cam_front')!.boxes.filter((b) => b.idSwitch);
    expect(switched.map((b) => b.trackId)).toEqual([7]);
    expect(await page.locator('#metrics div.switch').first().textContent()).toMatch(
      /ID switch — cam_front: actor a2 track 2 → 7/,
    );
    await page.locator('#scene').screenshot({ path: join(shots, 'viewer-3d.png') });
    await page.screenshot({ path: join(shots, 'viewer.png') });
  });

  test('the timeline, once clicked, steps as the player does: Shift+→ ten frames, not the slider’s one', async () => {
    await scrubTo(3);
    await waitShown(3);
    await page.locator('#scrub').focus();
    await page.keyboard.press('Shift+ArrowRight');
    expect((await waitShown(13)).index).toBe(13);
    await page.keyboard.press('ArrowLeft');
    await waitShown(12);
    await page.locator('body').click({ position: { x: 5, y: 890 } });
  });

  test('toggles the ground-truth overlay', async () => {
    let s = await state();
    expect(s.showGt).toBe(true);
    expect(s.drawn.find((d) => d.camera === 'cam_front')!.gtBoxes.length).toBe(4);
    const before = s.drawCount;
    await page.keyboard.press('g');
    await until(`s.drawCount > ${before}`);
    s = await state();
    expect(s.showGt).toBe(false);
    expect(s.drawn.every((d) => d.gtBoxes.length === 0)).toBe(true);
    expect(s.scene!.gtBoxes).toBe(0);
    await page.locator('#gt-toggle').check();
    await until('s.scene.gtBoxes > 0');
  });

  test('plays with six cameras and 100 objects, and pauses', async () => {
    await page.keyboard.press('Home');
    await waitShown(0);
    await page.keyboard.press(' ');
    await page.waitForTimeout(2000);
    const s = await state();
    await page.keyboard.press(' ');
    expect(s.playing).toBe(true);
    expect(s.index).toBeGreaterThan(3);
    expect((await state()).playing).toBe(false);
    // Full frame updates of the current frame: decode + draw 6 camera images with boxes, update + render the
    // 3D scene with 100 objects. Reported, not asserted against 30 fps: these machines are shared and WebGL is
    // software here, so the figure is a floor, not the viewer's speed on a real GPU.
    const bench = (await page.evaluate('window.viper.benchmark(20)')) as {
      msPerFrame: number;
      fps: number;
      camerasMs: number;
      renderMs: number;
    };
    const { loadavg } = await import('node:os');
    process.stderr.write(
      `viewer: playing ${s.fps.raf} display fps, ${s.fps.shown} new frames/s (file 10 Hz); full update ${bench.msPerFrame.toFixed(1)} ms ` +
        `(${bench.fps.toFixed(1)} fps: cameras ${bench.camerasMs.toFixed(1)} ms, 3D ${bench.renderMs.toFixed(1)} ms), load ${loadavg()[0]!.toFixed(1)}\n`,
    );
    expect(bench.fps).toBeGreaterThan(1);
  });

  test('opens a file without ground truth through the file picker', async () => {
    await page.locator('#file-input').setInputFiles(noGt);
    await until("s.file === 'recording-no-gt.mcap' && s.shownIndex === 0");
    const s = await state();
    expect(s.error).toBe('');
    expect(s.hasGroundTruth).toBe(false);
    expect(s.frameCount).toBe(8);
    expect(s.drawn.find((d) => d.camera === 'cam_front')!.boxes.length).toBe(4);
    expect(s.drawn.every((d) => d.gtBoxes.length === 0)).toBe(true);
    expect(await page.locator('#metrics').textContent()).toContain('No ground truth');
    expect(await page.locator('#gt-toggle').isDisabled()).toBe(true);
    expect(await page.locator('#gt-toggle').isChecked()).toBe(false);
  });

  test('a damaged lz4 file is its own error: the next lz4 file opened in the tab reads whole', async () => {
    await page.locator('#file-input').setInputFiles(damagedLz4);
    await until("s.error.startsWith('Could not open damaged-lz4.mcap')");
    expect((await state()).error).toMatch(/block of 2147483647 bytes over the frame's 4194304-byte maximum/);
    await page.locator('#file-input').setInputFiles(noGt);
    await until("s.file === 'recording-no-gt.mcap' && s.shownIndex === 0");
    const s = await state();
    expect(s.error).toBe('');
    expect(s.drawn.find((d) => d.camera === 'cam_front')!.boxes.length).toBe(4);
  });

  test('opens a simulator recording (ground truth, no perception) with images as the clock', async () => {
    await page.locator('#file-input').setInputFiles(recording);
    await until("s.file === 'sim-recording.mcap' && s.shownIndex === 0");
    const s = await state();
    expect(s.error).toBe('');
    expect(s.frameCount).toBe(6);
    // The overlay the user had on comes back with a file that has ground truth.
    expect(s.showGt).toBe(true);
    expect(s.hasGroundTruth).toBe(true);
    expect(s.drawn.every((d) => d.boxes.length === 0)).toBe(true);
    expect(await page.locator('#metrics').textContent()).toContain('No perception annotations');
    expect(s.scene).toMatchObject({ objects: 0, gtBoxes: 14, frustums: 6 });
  });

  test('a results-only file (no images): boxes on blank canvases that say why, the 3D scene as with images', async () => {
    await page.locator('#file-input').setInputFiles(resultsOnly);
    await until("s.file === 'results-only.mcap' && s.shownIndex === 0");
    const s = await state();
    expect(s.error).toBe('');
    expect(s.cameras.sort()).toEqual([...CAMERAS].sort());
    expect(s.frameCount).toBe(30);
    expect(s.drawn.map((d) => d.imageNote)).toEqual(CAMERAS.map(() => NO_IMAGES_NOTE));
    const front = s.drawn.find((d) => d.camera === 'cam_front')!;
    expect([front.width, front.height]).toEqual([W, H]); // sized by its calibration
    expect(front.boxes.map((b) => b.trackId)).toEqual(
      layout('cam_front', 0, W, H).preds.map((p) => p.trackId),
    );
    expect(s.metrics).toMatchObject({ tp: EXPECTED.tp, fp: EXPECTED.fp, fn: EXPECTED.fn });
    expect(s.scene).toMatchObject({ objects: 100, frustums: 6, gtBoxes: 14 });
    expect(await page.locator('#status').textContent()).toContain('no images');
  });

  test('a results-only file with its recording: picked together or served with --images, the images under its boxes', async () => {
    const check = async (file: string) => {
      await until(`s.file === '${file}' && s.shownIndex === 0`);
      const s = await state();
      expect(s.error).toBe('');
      expect(s.cameras.sort()).toEqual([...CAMERAS].sort());
      expect(s.drawn.map((d) => d.imageNote)).toEqual(CAMERAS.map(() => ''));
      const front = s.drawn.find((d) => d.camera === 'cam_front')!;
      expect(front.boxes.map((b) => b.trackId)).toEqual(
        layout('cam_front', 0, W, H).preds.map((p) => p.trackId),
      );
      expect(s.metrics).toMatchObject({ tp: EXPECTED.tp, fp: EXPECTED.fp, fn: EXPECTED.fn });
      expect(await page.locator('#status').textContent()).toContain('images from results.mcap');
    };
    // Either order: the smaller file is the results.
    await page.locator('#file-input').setInputFiles([results, resultsOnly]);
    await check('results-only.mcap + images of results.mcap');
    const both = await startViewServer({ distDir: join(dir, 'dist'), file: resultsOnly, images: results });
    try {
      await page.goto(both.url);
      await check('results-only.mcap + images of results.mcap');
    } finally {
      await both.close();
    }
  });

  test('a results-only camera without calibration: its blank canvas covers its boxes and says its size is unknown', async () => {
    await page.locator('#file-input').setInputFiles(uncalibrated);
    await until("s.file === 'uncalibrated-results-only.mcap' && s.shownIndex === 0");
    const s = await state();
    expect(s.error).toBe('');
    expect(s.drawn).toHaveLength(1);
    const solo = s.drawn[0]!;
    expect(solo.boxes).toEqual([expect.objectContaining(DEEP_BOX)]);
    expect(solo.width).toBeGreaterThanOrEqual(DEEP_BOX.x2);
    expect(solo.height).toBeGreaterThanOrEqual(DEEP_BOX.y2);
    expect(solo.imageNote).toBe(`${NO_IMAGES_NOTE}; ${NO_SIZE_NOTE}`);
    // A fixed camera with no mount and no ego pose: no vehicle to draw in the 3D view.
    expect(s.scene?.ego).toBe(false);
  });

  test('a camera whose image does not decode says so and the others draw', async () => {
    await page.locator('#file-input').setInputFiles(badImage);
    await until("s.file === 'bad-image.mcap' && s.shownIndex === 0");
    const s = await state();
    expect(s.error).toBe('');
    const back = s.drawn.find((d) => d.camera === 'cam_back')!;
    expect(back.imageNote).toBe('jpeg image does not decode (512 bytes)');
    expect(back.boxes.length).toBeGreaterThan(0); // its annotations are still drawn
    expect(s.drawn.filter((d) => d.camera !== 'cam_back').every((d) => d.imageNote === '')).toBe(true);
  });

  test('images logged 120 ms after their stamps: each camera shows the image its boxes were computed on', async () => {
    await page.locator('#file-input').setInputFiles(lagged);
    await until("s.file === 'lagged.mcap' && s.shownIndex === 0");
    // Per camera, the frame whose marker its canvas shows (its top rows, as the grid drew them), or why no image.
    const shownFrames = async (s: AppState) =>
      Object.fromEntries(
        await Promise.all(
          s.drawn.map(async (d) => {
            const px = (await page.evaluate(`(() => {
              const c = document.querySelector('canvas[data-camera="${d.camera}"]');
              return Array.from(c.getContext('2d').getImageData(0, 0, c.width, 20).data);
            })()`)) as number[];
            return [d.camera, d.imageNote || frameOfMarker(px, W, 4)] as const;
          }),
        ),
      );
    const every = (k: number) => Object.fromEntries(CAMERAS.map((c) => [c, k]));
    for (const k of [0, 3, 4, 5, 1]) {
      if (k === 4) await page.keyboard.press('ArrowRight');
      else if (k === 5) await page.keyboard.press('End');
      else await scrubTo(k);
      const s = await waitShown(k);
      expect(s.error).toBe('');
      expect(s.drawn.every((d) => d.boxes.length > 0)).toBe(true);
      expect(await shownFrames(s), `frame ${k}`).toEqual(every(k));
    }
  });

  test('a corrupt file dropped on the page gives a clear message, not a blank page', async () => {
    // Drag and drop: a File built in the page from the bytes, dropped on the window.
    const b64 = readFileSync(corrupt).toString('base64');
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob('${b64}'), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'corrupt.mcap'));
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, cancelable: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
    })()`);
    await until("s.error !== ''");
    const alert = page.locator('#error');
    expect(await alert.isVisible()).toBe(true);
    expect(await alert.textContent()).toMatch(
      // One line as `viper view` says it, not the MCAP library's text ("Expected MCAP magic …").
      /^Could not open corrupt\.mcap: corrupt\.mcap is truncated \(.*--recover/,
    );
    expect(await page.locator('#open').isVisible()).toBe(true);
    expect(await page.locator('#timeline').isVisible()).toBe(true);
    expect(await page.locator('#drop-hint').isHidden()).toBe(true);
  });
});
