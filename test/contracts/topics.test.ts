import { describe, expect, it } from 'vitest';
import { cameraFromAnnotationsTopic, cameraFromTopic, topics } from '../../src/contracts/topics.ts';

describe('cameraFromAnnotationsTopic', () => {
  it('inverts topics.annotations', () => {
    for (const cam of ['cam_front', 'front', 'robot/left']) {
      expect(cameraFromAnnotationsTopic(topics.annotations(cam))).toBe(cam);
    }
  });

  it('is null for topics that are not per-camera annotations', () => {
    for (const t of [
      topics.objects,
      topics.scene,
      topics.metrics,
      '/perception//annotations',
      '/perception/cam/annotations/extra',
      '/other/cam/annotations',
      '/cam_front/image',
    ]) {
      expect(cameraFromAnnotationsTopic(t), t).toBeNull();
    }
  });

  it('names the same camera as the image topic it belongs to', () => {
    expect(cameraFromAnnotationsTopic(topics.annotations(cameraFromTopic('/cam_front/image')))).toBe(
      'cam_front',
    );
  });
});
