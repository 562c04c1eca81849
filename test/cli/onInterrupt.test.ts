import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { onInterrupt } from '../../src/cli/run.ts';

let npmCommand: string | undefined;
let stderr: string[];
let exit: ReturnType<typeof vi.spyOn>;
let kill: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  // `npx vitest` sets npm_command=exec, which changes how signals are read: each test sets it as it needs.
  npmCommand = process.env.npm_command;
  delete process.env.npm_command;
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr.push(String(s));
    return true;
  });
  exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
});

afterEach(() => {
  vi.useRealTimers();
  if (npmCommand === undefined) delete process.env.npm_command;
  else process.env.npm_command = npmCommand;
});

it("a second Ctrl-C names the outputs other processes are writing (the suite's workers), then quits by the signal", () => {
  const stops: string[] = [];
  const dispose = onInterrupt(
    (signal) => stops.push(signal),
    () => ['/out/dense_plaza/results.mcap'],
  );
  try {
    process.emit('SIGINT', 'SIGINT');
    expect(stops).toEqual(['SIGINT']);
    expect(stderr.join('')).toMatch(/SIGINT again quits at once, leaving the output unfinished/);
    process.emit('SIGINT', 'SIGINT');
    expect(stderr.join('')).toMatch(
      /SIGINT again: quitting without finalizing \/out\/dense_plaza\/results\.mcap: `viper inspect <file> --recover`/,
    );
    // It quits by the signal's default action (a shell reads 130), and exits 130 should that be ignored.
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGINT');
    expect(exit).not.toHaveBeenCalled();
    vi.runAllTimers();
    expect(exit).toHaveBeenCalledWith(130);
  } finally {
    dispose();
  }
});

it("under npx, npm's echo of a Ctrl-C (the same signal within 300 ms) is not a second one; a later one is", () => {
  process.env.npm_command = 'exec';
  const stops: string[] = [];
  const dispose = onInterrupt(
    (signal) => stops.push(signal),
    () => ['/out/x.mcap'],
  );
  try {
    process.emit('SIGINT', 'SIGINT');
    vi.advanceTimersByTime(1);
    process.emit('SIGINT', 'SIGINT');
    expect(stops).toEqual(['SIGINT']);
    expect(kill).not.toHaveBeenCalled();
    vi.advanceTimersByTime(400);
    process.emit('SIGINT', 'SIGINT');
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGINT');
  } finally {
    dispose();
  }
});
