/**
 * YOLOX-Nano (../shared/models) tracked on real frames: the last 31 of ../shared/data/vtest (a fixed street camera),
 * imported and replayed as a user would (`viper import`, `viper replay --model models/cards/yolox_nano.json`). A van
 * parked at the top of the image is scored truck on some frames and car on others; the card's class groups let the
 * two continue one track, so it keeps one id (without them a second id took it over for 12 of the 31 frames).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeShared, shared } from '../shared.ts';
import { viperInProcess } from '../testing/cli.ts';

/** The parked van (original pixels, x y w h as MOTChallenge writes them), checked by drawing it on frame 190. */
const VAN = { x: 651, y: 42, w: 73, h: 56 };

const iou = (a: typeof VAN, b: typeof VAN) => {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.w * a.h + b.w * b.h - inter);
};

describeShared('YOLOX-Nano tracked on real frames (vtest 170–200)', () => {
  let dir: string;
  let rows: { frame: number; id: number; box: typeof VAN }[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'viper-yolox-vtest-'));
    const frames = join(dir, 'frames');
    mkdirSync(frames);
    for (let i = 170; i <= 200; i++) {
      const name = `${String(i).padStart(4, '0')}.jpg`;
      copyFileSync(shared('data', 'vtest', name), join(frames, name));
    }
    const steps = [
      ['import', frames, '-o', join(dir, 'v.mcap'), '--rate', '10'],
      [
        'replay',
        join(dir, 'v.mcap'),
        '-o',
        join(dir, 'v.results.mcap'),
        '--model',
        'models/cards/yolox_nano.json',
        '--no-fuse',
      ],
      ['export', join(dir, 'v.results.mcap'), '-o', join(dir, 'mot')],
    ];
    for (const args of steps) {
      const r = await viperInProcess(args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(0);
    }
    rows = readFileSync(join(dir, 'mot', 'cam0.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [frame, id, x, y, w, h] = line.split(',').map(Number) as number[];
        return { frame: frame!, id: id!, box: { x: x!, y: y!, w: w!, h: h! } };
      });
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one id on a parked van whose class flips between truck and car', () => {
    const van = rows.filter((r) => iou(r.box, VAN) > 0.7);
    expect(new Set(van.map((r) => r.frame)).size).toBeGreaterThanOrEqual(28);
    expect([...new Set(van.map((r) => r.id))]).toHaveLength(1);
  });
});
