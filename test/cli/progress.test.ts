import { afterEach, expect, it, vi } from 'vitest';
import { createProgress, createStatusLine, HEARTBEAT_MS } from '../../src/cli/progress.ts';

// Piped stderr (CI, logs): a plain line per 10 %, and the last line when the work ends, with its final `extra`.
function lines(run: () => void): string[] {
  const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
  const out: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
    if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  }
  return out.join('').split('\n').filter(Boolean);
}

afterEach(() => vi.restoreAllMocks());

it('ends on the final count and extra, not on the last update before the end', () => {
  const out = lines(() => {
    const p = createProgress('replay', 20, 'msgs');
    for (let i = 1; i <= 20; i++) p.update(i, `${Math.floor(i / 2)} rig frames`);
    p.finish('11 rig frames'); // the last rig frame closes after the last message
  });
  expect(out).toHaveLength(11); // the first update, then 10 % … 90 %, then the finish line
  expect(out.at(-1)).toMatch(/^replay █+ 100% 20\/20 msgs .* 11 rig frames$/);
  expect(out.filter((l) => / 100% /.test(l))).toHaveLength(1);
});

it('an interrupted run ends where it got to', () => {
  const out = lines(() => {
    const p = createProgress('simulate', 100, 'frames');
    for (let i = 1; i <= 37; i++) p.update(i);
    p.stop();
  });
  expect(out.at(-1)).toMatch(/^simulate .* 37% 37\/100 frames/);
});

it('prints nothing when disabled (--no-progress, --json)', () => {
  const out = lines(() => {
    const p = createProgress('import', 10, 'frames', false);
    for (let i = 1; i <= 10; i++) p.update(i);
    p.finish();
  });
  expect(out).toEqual([]);
});

it('tells no time left before anything is done (there is no rate to tell it by)', () => {
  const out = lines(() => {
    const p = createProgress('replay', 20, 'msgs');
    p.update(0);
    p.stop();
  });
  expect(out[0]).toMatch(/^replay ░+ {3}0% 0\/20 msgs 0\.0 msgs\/s ETA …$/);
});

it("off a terminal, a suite's running scenario writes its status once every heartbeat, none for short ones", () => {
  let t = 0;
  const out = lines(() => {
    const status = createStatusLine(true, () => t);
    status.set('a.yaml', 'short simulate 50%');
    t = 5_000;
    status.set('a.yaml', 'short replay 90%');
    status.delete('a.yaml');
    status.set('b.yaml', 'long simulate 0%');
    t += HEARTBEAT_MS - 1;
    status.set('b.yaml', 'long simulate 20%');
    t += 1;
    status.set('b.yaml', 'long simulate 21%');
    t += HEARTBEAT_MS / 2;
    status.set('b.yaml', 'long simulate 40%');
    t += HEARTBEAT_MS / 2;
    status.set('b.yaml', 'long replay 10%');
    status.print('[2/2] PASS  long\n');
  });
  expect(out).toEqual(['  … long simulate 21%', '  … long replay 10%', '[2/2] PASS  long']);
  // --no-progress and --json: the lines only.
  const quiet = lines(() => {
    const status = createStatusLine(false, () => t);
    status.set('c', 'x 1%');
    t += 10 * HEARTBEAT_MS;
    status.set('c', 'x 99%');
  });
  expect(quiet).toEqual([]);
});
