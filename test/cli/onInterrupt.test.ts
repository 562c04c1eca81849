import { expect, it, vi } from 'vitest';
import { onInterrupt } from '../../src/cli/run.ts';

it("a second Ctrl-C names the outputs other processes are writing (the suite's workers), then quits by the signal", () => {
  const stderr: string[] = [];
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr.push(String(s));
    return true;
  });
  const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
  vi.useFakeTimers();
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
    vi.useRealTimers();
    dispose();
    write.mockRestore();
    exit.mockRestore();
    kill.mockRestore();
  }
});
