import { describe, expect, it } from 'vitest';
import type { CameraFrame } from '../../src/contracts/camera.ts';
import { RigAligner } from '../../src/graph/RigAligner.ts';

const ms = (n: number) => BigInt(n) * 1_000_000n;
function frame(cameraId: string, tMs: number): CameraFrame {
  return {
    feedId: 'f',
    cameraId,
    tNs: ms(tMs),
    image: { encoding: 'jpeg', width: 0, height: 0, data: new Uint8Array() },
    calibration: null,
    transforms: [],
  };
}

describe('RigAligner', () => {
  it('closes a rig frame as soon as every camera is present, in rig order', () => {
    const a = new RigAligner('f', { cameras: ['front', 'back'], toleranceNs: ms(20) });
    expect(a.push(frame('back', 100))).toEqual({});
    const step = a.push(frame('front', 105));
    expect(step.closedBefore).toBeUndefined();
    expect(step.closedAfter?.frames.map((f) => f.cameraId)).toEqual(['front', 'back']);
    expect(step.closedAfter?.tNs).toBe(ms(100));
    expect(step.closedAfter?.missing).toEqual([]);
    expect(step.closedAfter?.seq).toBe(0);
  });

  it('lists a camera outside the tolerance as missing instead of dropping it', () => {
    const a = new RigAligner('f', { cameras: ['front', 'back'], toleranceNs: ms(20) });
    a.push(frame('front', 100));
    const step = a.push(frame('back', 150));
    expect(step.closedBefore?.frames.map((f) => f.cameraId)).toEqual(['front']);
    expect(step.closedBefore?.missing).toEqual(['back']);
    expect(a.flush()?.missing).toEqual(['front']);
    expect(a.flush()).toBeUndefined();
  });

  it('a camera delivering twice closes the open rig frame', () => {
    const a = new RigAligner('f', { cameras: ['front', 'back'], toleranceNs: ms(1000) });
    a.push(frame('front', 0));
    const step = a.push(frame('front', 10));
    expect(step.closedBefore?.missing).toEqual(['back']);
    expect(step.closedBefore?.tNs).toBe(0n);
  });

  it('widens the rig when an unlisted camera appears', () => {
    const a = new RigAligner('f', { cameras: ['front'], toleranceNs: ms(20) });
    expect(a.push(frame('front', 0)).closedAfter?.frames).toHaveLength(1);
    a.push(frame('side', 100));
    expect(a.rigCameras).toEqual(['front', 'side']);
    expect(a.push(frame('front', 101)).closedAfter?.missing).toEqual([]);
  });
});
