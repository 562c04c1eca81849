import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIPER_CLASSES } from '../../src/contracts/classes.ts';
import { splitFor } from '../../src/sim/dataset.ts';
import { scenarioFromValue } from '../../src/sim/scenario/load.ts';
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { runSimulate, tinyScenario } from './testing.ts';

describe('dataset export', () => {
  it('splits by scenario: named val scenarios, else every 5th name, never a scene in both', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(names.filter((n) => splitFor(n, names) === 'val')).toEqual(['e']);
    expect(splitFor('b', names, ['b'])).toBe('val');
    expect(splitFor('a', ['a'])).toBe('train');
    expect(['x', 'y'].map((n) => splitFor(n, ['x', 'y']))).toEqual(['train', 'val']);
  });

  it('writes YOLO and COCO labels that agree with each other and with the image files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'viper-ds-'));
    const files: string[] = [];
    for (const [name, seed] of [
      ['tiny_a', 1],
      ['tiny_b', 2],
    ] as const) {
      const f = join(dir, `${name}.yaml`);
      await writeFile(
        f,
        stringify(
          tinyScenario({
            name,
            seed,
            rig: {
              width: 320,
              height: 180,
              cameras: [{ id: 'cam_front', hfov: 70, position: [1.5, 0, 1.5] }],
            },
          }),
        ),
      );
      files.push(f);
      scenarioFromValue(tinyScenario({ name, seed }), name); // valid
    }
    const out = join(dir, 'ds');
    // The export replaces its folder whole: a file, or a folder holding anything but a dataset, is refused.
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'precious');
    const refused = await runSimulate([...files, '--export-dataset', mine, '--no-progress']);
    expect([refused.code, refused.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^error: config: .*mine is not empty and not a dataset Viper wrote \(no \.viper-dataset; it holds notes\.txt\)/,
      ),
    ]);
    expect(readFileSync(join(mine, 'notes.txt'), 'utf8')).toBe('precious');
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'precious');
    expect((await runSimulate([...files, '--export-dataset', file, '--no-progress'])).stderr).toMatch(
      /file\.txt is a file; --export-dataset writes a folder/,
    );
    expect(readFileSync(file, 'utf8')).toBe('precious');
    const r = await runSimulate([...files, '--export-dataset', out, '--stride', '1', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    // The folder as given (where to find it), not only its base name.
    expect(r.stdout).toContain(`wrote dataset ${out}: 10 images (5 train, 5 val), `);
    // An earlier dataset is replaced; a YOLO dataset Viper did not write is not.
    const hand = join(dir, 'hand');
    mkdirSync(join(hand, 'images'), { recursive: true });
    writeFileSync(join(hand, 'data.yaml'), 'names: [a]');
    expect((await runSimulate([...files, '--export-dataset', hand, '--no-progress'])).code).toBe(2);
    expect(readFileSync(join(hand, 'data.yaml'), 'utf8')).toBe('names: [a]');
    const again = await runSimulate([...files, '--export-dataset', out, '--stride', '1', '--no-progress']);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const yaml = await readFile(join(out, 'data.yaml'), 'utf8');
    expect(yaml).toContain('train: images/train');
    expect(yaml).toContain('3: pedestrian');
    let yoloBoxes = 0;
    let total = 0;
    for (const split of ['train', 'val'] as const) {
      const imgs = (await readdir(join(out, 'images', split))).sort();
      const labels = (await readdir(join(out, 'labels', split))).sort();
      expect(imgs.map((f) => f.replace('.jpg', ''))).toEqual(labels.map((f) => f.replace('.txt', '')));
      expect(imgs.length).toBe(5); // 1 s at 5 Hz, one camera, one scenario per split
      for (const l of labels) {
        const text = await readFile(join(out, 'labels', split, l), 'utf8');
        for (const line of text.split('\n').filter(Boolean)) {
          const [c, ...xywh] = line.split(' ').map(Number);
          expect(Number.isInteger(c) && c! >= 0 && c! < VIPER_CLASSES.length).toBe(true);
          for (const v of xywh) expect(v >= 0 && v <= 1).toBe(true);
          yoloBoxes++;
          total++;
        }
      }
      const coco = JSON.parse(await readFile(join(out, 'annotations', `instances_${split}.json`), 'utf8'));
      expect(coco.images).toHaveLength(5);
      expect(coco.categories.map((c: { name: string }) => c.name)).toEqual([...VIPER_CLASSES]);
      for (const a of coco.annotations) {
        const img = coco.images.find((i: { id: number }) => i.id === a.image_id);
        expect(a.bbox[0] + a.bbox[2]).toBeLessThanOrEqual(img.width);
        expect(a.bbox[1] + a.bbox[3]).toBeLessThanOrEqual(img.height);
      }
      yoloBoxes -= coco.annotations.length;
    }
    expect(yoloBoxes).toBe(0);
    expect(total).toBeGreaterThan(5);
  });
});
