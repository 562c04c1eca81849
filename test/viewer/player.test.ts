import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  frameAt,
  initialPlayer,
  nextSpeed,
  type PlayerAction,
  playerReducer,
} from '../../viewer/src/state/player.ts';

const times = [0, 100, 200, 300, 400];
const loaded = () => playerReducer(initialPlayer(), { type: 'load', timesMs: times });

const action: fc.Arbitrary<PlayerAction> = fc.oneof(
  fc.constant({ type: 'play' } as const),
  fc.constant({ type: 'pause' } as const),
  fc.constant({ type: 'toggle' } as const),
  fc.integer({ min: -20, max: 20 }).map((delta) => ({ type: 'step', delta }) as const),
  fc.integer({ min: -10, max: 10 }).map((index) => ({ type: 'seek', index }) as const),
  fc.constantFrom(0.25, 0.5, 1, 2, 4).map((speed) => ({ type: 'speed', speed }) as const),
  fc.integer({ min: 0, max: 500 }).map((dtMs) => ({ type: 'tick', dtMs }) as const),
);

describe('playerReducer', () => {
  test('the index stays on a frame whatever the actions', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        let s = loaded();
        for (const a of actions) {
          const before = s;
          s = playerReducer(s, a);
          expect(s.index).toBeGreaterThanOrEqual(0);
          expect(s.index).toBeLessThan(times.length);
          if (a.type === 'tick' && before.playing) expect(s.index).toBeGreaterThanOrEqual(before.index);
        }
      }),
    );
  });
  test('plays at the recording pace times speed and stops at the end', () => {
    let s = playerReducer(loaded(), { type: 'play' });
    s = playerReducer(s, { type: 'tick', dtMs: 150 });
    expect(s.index).toBe(1);
    s = playerReducer(playerReducer(s, { type: 'speed', speed: 2 }), { type: 'tick', dtMs: 50 });
    expect(s.index).toBe(2);
    s = playerReducer(s, { type: 'tick', dtMs: 1000 });
    expect(s).toMatchObject({ index: 4, playing: false });
    expect(playerReducer(s, { type: 'play' })).toMatchObject({ index: 0, playing: true });
  });
  test('step and seek pause and clamp', () => {
    const s = playerReducer(playerReducer(loaded(), { type: 'play' }), { type: 'step', delta: 10 });
    expect(s).toMatchObject({ index: 4, playing: false, cursorMs: 400 });
    expect(playerReducer(s, { type: 'seek', index: -3 }).index).toBe(0);
  });
  test('frameAt and nextSpeed', () => {
    expect(frameAt(times, -5)).toBe(0);
    expect(frameAt(times, 250)).toBe(2);
    expect(frameAt(times, 1e9)).toBe(4);
    expect(nextSpeed(1, 1)).toBe(2);
    expect(nextSpeed(4, 1)).toBe(4);
    expect(nextSpeed(0.25, -1)).toBe(0.25);
  });
});
