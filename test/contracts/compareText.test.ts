import { describe, expect, it } from 'vitest';
import { compareText } from '../../src/contracts/compareText.ts';

describe('compareText', () => {
  it('orders by code unit, whatever the locale: a camera before the cameras its name prefixes', () => {
    const topics = ['/cam_back_left/image', '/cam_back/image', 'B', 'a', '/cam_back/calibration'];
    expect([...topics].sort(compareText)).toEqual([
      '/cam_back/calibration',
      '/cam_back/image',
      '/cam_back_left/image',
      'B',
      'a',
    ]);
    expect(compareText('x', 'x')).toBe(0);
  });
});
