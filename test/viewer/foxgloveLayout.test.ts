import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { topics } from '../../src/contracts/topics.ts';
import { repoRoot } from '../shared.ts';

interface Tree {
  first: Tree | string;
  second: Tree | string;
}
const leaves = (t: Tree | string): string[] =>
  typeof t === 'string' ? [t] : [...leaves(t.first), ...leaves(t.second)];

test('docs/foxglove-layout.json: every panel exists, camera panels use the viper topics, 3D shows the scene', () => {
  const doc = JSON.parse(readFileSync(join(repoRoot, 'docs/foxglove-layout.json'), 'utf8'));
  const panels = leaves(doc.layout);
  expect(new Set(panels)).toEqual(new Set(Object.keys(doc.configById)));
  const images = panels.filter((p) => p.startsWith('Image!'));
  expect(images.length).toBe(6);
  for (const id of images) {
    const cam = id.slice('Image!'.length);
    const mode = doc.configById[id].imageMode;
    expect(mode.imageTopic).toBe(topics.image(cam));
    expect(mode.calibrationTopic).toBe(topics.calibration(cam));
    expect(mode.annotations[topics.annotations(cam)]).toEqual({ visible: true });
  }
  const scene = doc.configById['3D!scene'];
  expect(scene.topics[topics.scene]).toEqual({ visible: true });
  expect(scene.followTf).toBe('base_link');
  expect(doc.configById['RawMessages!metrics'].topicPath).toBe(topics.metrics);
});
