/**
 * The web viewer in Debian's chromium on odd files: a ROS 2 bag (CDR sensor_msgs images, one of them bgr8 with
 * padded rows whose last row is unpadded, mono8, CameraInfo, tf2), and a results file whose tracker hands out new
 * ids every frame (the 3D labels' textures must stay bounded). Skips where chromium is missing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapIndexedReader } from '@mcap/core';
import { parse } from '@foxglove/rosmsg';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RecordingWriter } from '../../src/io/index.ts';
import { startViewServer, type ViewServer } from '../../src/live/ViewServer.ts';
import { colorForId, colorForTrack } from '../../src/track/colors.ts';
import { buildViewerInto, CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../testing/chromium.ts';
import { rgb255, SCENE_COLORS_JS, type SceneColor } from './fixtures.ts';

const chromiumHere = hasChromium('odd-file viewer tests');

const T0 = 1_700_000_000_000_000_000n;
const STEP = 100_000_000n;
const W = 64;
const H = 36;
const SEP = '================================================================================';
const IMAGE_DEF = [
  'std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data',
  `${SEP}\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id`,
  `${SEP}\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec`,
].join('\n');

/** /front/image_raw: blue bgr8, rows padded to 4 bytes more, the last row unpadded; /left/image_raw: mono8. */
async function writeRos2(path: string): Promise<void> {
  const w = await RecordingWriter.create(path, { compression: 'zstd' });
  const spec = {
    kind: 'raw' as const,
    name: 'sensor_msgs/msg/Image',
    encoding: 'ros2msg',
    data: new TextEncoder().encode(IMAGE_DEF),
    messageEncoding: 'cdr',
  };
  const front = await w.addChannel('/front/image_raw', spec);
  const left = await w.addChannel('/left/image_raw', spec);
  const writer = new MessageWriter(parse(IMAGE_DEF, { ros2: true }));
  const step = W * 3 + 4;
  const bgr = new Uint8Array(step * (H - 1) + W * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) bgr.set([255, 0, 0], y * step + x * 3);
  for (let i = 0; i < 3; i++) {
    const t = T0 + BigInt(i) * STEP;
    const header = (frame_id: string) => ({
      stamp: { sec: Number(t / 1_000_000_000n), nanosec: 0 },
      frame_id,
    });
    const img = { height: H, width: W, is_bigendian: 0 };
    await w.write(
      front,
      t,
      writer.writeMessage({ header: header('front'), ...img, encoding: 'bgr8', step, data: bgr }),
    );
    await w.write(
      left,
      t,
      writer.writeMessage({
        header: header('left'),
        ...img,
        encoding: 'mono8',
        step: W,
        data: new Uint8Array(W * H).fill(90),
      }),
    );
  }
  await w.close();
}

/** One camera, and /perception/objects whose 500 objects get new ids every frame (as a tracker's do over time). */
async function writeFreshIds(path: string, frames: number, perFrame: number): Promise<void> {
  const w = await RecordingWriter.create(path, { compression: 'zstd' });
  const img = await w.addChannel('/cam/image', { kind: 'foxglove', name: 'CompressedImage' });
  const obj = await w.addChannel('/perception/objects', {
    kind: 'json',
    name: 'viper.Objects',
    jsonSchema: { type: 'object' },
  });
  const jpeg = new Uint8Array(
    await sharp({ create: { width: W, height: H, channels: 3, background: { r: 40, g: 40, b: 40 } } })
      .jpeg()
      .toBuffer(),
  );
  for (let i = 0; i < frames; i++) {
    const t = T0 + BigInt(i) * STEP;
    await w.writeObject(img, t, {
      timestamp: { sec: 0, nsec: 0 },
      frame_id: 'cam',
      format: 'jpeg',
      data: jpeg,
    });
    const objects = Array.from({ length: perFrame }, (_, k) => ({
      id: 1 + i * perFrame + k,
      cls: 'car',
      frameId: 'odom',
      box: { center: [(k % 25) * 6, Math.floor(k / 25) * 4, 0.8], size: [4, 2, 1.6], yaw: 0 },
      velocity: [0, 0, 0],
      positionCovariance: [0, 0, 0, 0],
      sources: [],
    }));
    await w.writeObject(obj, t, { stampNs: t.toString(), feedId: 'x', objects });
  }
  await w.close();
}

/**
 * A Foxglove file with its own colours: on /perception/cam/annotations track #5's box is orange and #6's names
 * no colour; /perception/scene (no /perception/objects) has a green cube for object/5 and an uncoloured one for
 * object/6. Foxglove draws the given colours; the viewer must too, and viper's colour for the id otherwise.
 */
const ORANGE = { r: 1, g: 0.5, b: 0, a: 1 };
const GREEN = { r: 0, g: 1, b: 0, a: 0.5 };
async function writeOwnColours(path: string): Promise<void> {
  const w = await RecordingWriter.create(path, { compression: 'zstd' });
  const img = await w.addChannel('/cam/image', { kind: 'foxglove', name: 'CompressedImage' });
  const ann = await w.addChannel('/perception/cam/annotations', {
    kind: 'foxglove',
    name: 'ImageAnnotations',
  });
  const scene = await w.addChannel('/perception/scene', { kind: 'foxglove', name: 'SceneUpdate' });
  const jpeg = new Uint8Array(
    await sharp({ create: { width: W, height: H, channels: 3, background: { r: 40, g: 40, b: 40 } } })
      .jpeg()
      .toBuffer(),
  );
  const time = { sec: 0, nsec: 0 };
  const rect = (x: number) => [
    { x, y: 5 },
    { x: x + 20, y: 5 },
    { x: x + 20, y: 30 },
    { x, y: 30 },
  ];
  const cube = (x: number) => ({
    pose: { position: { x, y: 0, z: 0.8 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    size: { x: 4, y: 2, z: 1.6 },
  });
  for (let i = 0; i < 2; i++) {
    const t = T0 + BigInt(i) * STEP;
    await w.writeObject(img, t, { timestamp: time, frame_id: 'cam', format: 'jpeg', data: jpeg });
    await w.writeObject(ann, t, {
      timestamp: time,
      circles: [],
      points: [
        { timestamp: time, type: 2, points: rect(5), outline_color: ORANGE, thickness: 2 },
        { timestamp: time, type: 2, points: rect(35), thickness: 2 },
      ],
      texts: [
        { timestamp: time, position: { x: 5, y: 5 }, text: '#5 car 0.90', font_size: 10 },
        { timestamp: time, position: { x: 35, y: 5 }, text: '#6 car 0.80', font_size: 10 },
      ],
    });
    await w.writeObject(scene, t, {
      deletions: [],
      entities: [
        { timestamp: time, frame_id: 'odom', id: 'object/5', cubes: [{ ...cube(0), color: GREEN }] },
        { timestamp: time, frame_id: 'odom', id: 'object/6', cubes: [cube(6)] },
      ],
    });
  }
  await w.close();
}

/**
 * Four frames of one camera, one chunk per message, uncompressed; then the third image's chunk overwritten in the
 * middle of its records (its index intact): as a file damaged after `viper view` checked it, or picked in the page.
 */
async function writeDamaged(path: string): Promise<void> {
  const w = await RecordingWriter.create(path, { compression: 'none', chunkSize: 1 });
  const img = await w.addChannel('/cam/image', { kind: 'foxglove', name: 'CompressedImage' });
  const jpeg = new Uint8Array(
    await sharp({ create: { width: W, height: H, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .jpeg()
      .toBuffer(),
  );
  for (let i = 0; i < 4; i++) {
    const t = T0 + BigInt(i) * STEP;
    const time = { sec: Number(t / 1_000_000_000n), nsec: Number(t % 1_000_000_000n) };
    await w.writeObject(img, t, { timestamp: time, frame_id: 'cam', data: jpeg, format: 'jpeg' });
  }
  await w.close();
  const bytes = readFileSync(path);
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(bytes.length),
      read: async (offset, length) => bytes.subarray(Number(offset), Number(offset + length)),
    },
  });
  const third = [...reader.chunkIndexes].sort((a, b) => Number(a.messageStartTime - b.messageStartTime))[2]!;
  // Past the chunk header (opcode, length, times, sizes, CRC, compression, records length: 49 bytes).
  bytes.fill(0xff, Number(third.chunkStartOffset) + 49, Number(third.chunkStartOffset) + 57);
  writeFileSync(path, bytes);
}

let dir: string;
let ownColours: string;
let browser: BrowserContext;
let page: Page;
let server: ViewServer;
let freshIds: string;
let damaged: string;
const pageErrors: string[] = [];

interface State {
  error: string;
  frameCount: number;
  shownIndex: number;
  index: number;
  cameras: string[];
  drawn: {
    camera: string;
    width: number;
    height: number;
    imageNote: string;
    boxes: { trackId: number | null; color: string }[];
  }[];
  scene: { objects: number };
}
const state = () => page.evaluate('window.viper.state()') as Promise<State>;
const until = (expr: string) =>
  page.waitForFunction(`(() => { const s = window.viper?.state(); return !!s && (${expr}); })()`, undefined, {
    timeout: 15_000,
  });
/** Label textures (canvas + texture per object id) the 3D view holds, read through the debug API. */
const labelTextures = () => page.evaluate('window.viper.debug().scene.labelCache.size') as Promise<number>;

describe.skipIf(!chromiumHere)('web viewer on odd files (chromium)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'viper-viewer-odd-'));
    const distDir = buildViewerInto(dir);
    const ros2 = join(dir, 'ros2.mcap');
    await writeRos2(ros2);
    freshIds = join(dir, 'fresh-ids.mcap');
    await writeFreshIds(freshIds, 3, 500);
    ownColours = join(dir, 'own-colours.mcap');
    await writeOwnColours(ownColours);
    damaged = join(dir, 'damaged.mcap');
    await writeDamaged(damaged);
    server = await startViewServer({ distDir, file: ros2 });
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      viewport: { width: 1200, height: 700 },
      args: [...CHROMIUM_ARGS, '--disable-gpu-compositing'],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a ROS 2 bag shows its sensor_msgs images (bgr8 with padded rows, mono8)', async () => {
    await page.goto(server.url);
    await until("s.shownIndex === 0 || s.error !== ''");
    const s = await state();
    expect(s.error).toBe('');
    expect(s.frameCount).toBe(3);
    expect(s.cameras).toEqual(['front', 'left']);
    expect(s.drawn.map((d) => [d.camera, d.width, d.height, d.imageNote])).toEqual([
      ['front', W, H, ''],
      ['left', W, H, ''],
    ]);
    // bgr8 bytes (255, 0, 0) are blue on screen.
    const canvas = page.locator('canvas[data-camera="front"]');
    const box = (await canvas.boundingBox())!;
    const { data, info } = await sharp(await page.screenshot())
      .raw()
      .toBuffer({ resolveWithObject: true });
    const o =
      (Math.round(box.y + box.height / 2) * info.width + Math.round(box.x + box.width / 2)) * info.channels;
    expect([data[o], data[o + 1], data[o + 2]]).toEqual([0, 0, 255]);
    expect(pageErrors).toEqual([]);
  });

  test('a frame that cannot be read is reported once, not read again on every animation frame', async () => {
    await page.locator('#file-input').setInputFiles(damaged);
    await until("s.file === 'damaged.mcap' && s.shownIndex === 0");
    await page.keyboard.press('ArrowRight');
    await until('s.shownIndex === 1');
    await page.keyboard.press('ArrowRight');
    await until("s.error.startsWith('Could not read frame 3')");
    const reads = (await page.evaluate('window.viper.state().frameReads')) as number;
    await page.waitForTimeout(1000);
    const s = await state();
    expect((s as unknown as { frameReads: number }).frameReads).toBe(reads);
    expect(s.shownIndex).toBe(1);
    // The next frame, readable, is shown.
    await page.keyboard.press('ArrowRight');
    await until('s.shownIndex === 3');
    expect(pageErrors).toEqual([]);
  });

  test('3D label textures stay bounded when every frame brings new object ids', async () => {
    await page.locator('#file-input').setInputFiles(freshIds);
    await until("s.file === 'fresh-ids.mcap' && s.shownIndex === 0");
    expect(await labelTextures()).toBe(500);
    for (const i of [1, 2]) {
      await page.keyboard.press('ArrowRight');
      await until(`s.shownIndex === ${i} && s.index === ${i}`);
    }
    expect((await state()).scene.objects).toBe(500);
    // 1500 ids seen: the 1024 used last are kept (the current frame's among them), the others freed.
    expect(await labelTextures()).toBe(1024);
    expect(pageErrors).toEqual([]);
  });

  test("boxes and 3D objects take the file's own colours as Foxglove does, else viper's colour for the id", async () => {
    await page.locator('#file-input').setInputFiles(ownColours);
    await until("s.file === 'own-colours.mcap' && s.shownIndex === 0");
    const s = await state();
    expect(s.error).toBe('');
    const css = (c: { r: number; g: number; b: number }) => `rgb(${rgb255(c).join(',')})`;
    expect(s.drawn[0]!.boxes.map((b) => [b.trackId, b.color])).toEqual([
      [5, 'rgb(255,128,0)'],
      [6, css(colorForTrack('cam', 6))],
    ]);
    const objects = (await page.evaluate(SCENE_COLORS_JS)) as SceneColor[];
    expect(objects.map((o) => [o.id, o.label])).toEqual([
      [5, [0, 255, 0]],
      [6, rgb255(colorForId(6))],
    ]);
    expect(objects[0]!.box).toEqual([0, 1, 0]);
    expect(pageErrors).toEqual([]);
  });
});
