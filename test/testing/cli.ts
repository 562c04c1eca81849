/**
 * Run the `viper` CLI: `viper()` in a child process (the real `bin/viper.js`), `viperInProcess()` through the
 * same entry point inside the test process, without the second or two each child spends starting up.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { repoRoot } from '../shared.ts';

export const viperBin = join(repoRoot, 'bin', 'viper.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function viper(
  args: string[],
  opts: { timeoutMs?: number; env?: Record<string, string> } = {},
): CliResult {
  const r = spawnSync(process.execPath, [viperBin, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    env: { ...childEnv(), ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Bad input's answer, asserted: exit 2 and one stderr line, `error: …`, matching `pattern`, with no stack trace.
 * Returns the line. In-process unless `run` says otherwise.
 */
export async function expectOneLineExit2(
  args: string[],
  pattern: RegExp,
  run: (args: string[]) => Promise<CliResult> = viperInProcess,
): Promise<string> {
  const r = await run(args);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

/**
 * `expectOneLineExit2` for a bad input, with `--detector none` added to a replay that names no detector: the error
 * must come from the input itself, not from choosing or loading a model.
 */
export function expectInputRefused(
  args: string[],
  pattern: RegExp,
  run: (args: string[]) => Promise<CliResult> = viperInProcess,
): Promise<string> {
  const noModel = args[0] === 'replay' && !args.includes('--detector');
  return expectOneLineExit2(noModel ? [...args, '--detector', 'none'] : args, pattern, run);
}

/** Start the CLI and return the child (for signals). */
export function viperSpawn(args: string[]) {
  return spawn(process.execPath, [viperBin, ...args], {
    cwd: repoRoot,
    env: childEnv(),
  });
}

/**
 * The environment of a CLI child: this one's, uncoloured, and not marked as run by `npm exec` (which `npx vitest`
 * sets and which changes how the CLI reads signals: test/cli/orphaned.test.ts sets it where it means to).
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  delete env.npm_command;
  return env;
}

/** src/cli/main.ts: what bin/viper.js imports once tsx is registered. */
const mainUrl = pathToFileURL(join(repoRoot, 'src', 'cli', 'main.ts')).href;
let runs = 0;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Run the CLI's entry point (src/cli/main.ts, which bin/viper.js loads) inside this test process, as `viper()`
 * runs it in a child: process.argv set to `viper <args>`, FORCE_COLOR=0, what it writes to process.stdout and
 * process.stderr captured, and process.exitCode (0 when unset) read as the exit code once its top-level await
 * (the command's whole run) has settled. main.ts is imported afresh each time (a new URL), so it builds its
 * commander program again; the modules below it stay loaded.
 *
 * Not for what only a process shows, which goes through `viper()`/`viperSpawn()`: signals and a closed pipe, a
 * crash or hang at exit, output that bypasses process.stdout/stderr (native libraries' own logging: ONNX
 * Runtime, libvips on a bad image; child programs that inherit the descriptors: the scenario suite's workers,
 * ffmpeg), and environment variables a module reads when it loads. test/cli/inProcess.test.ts checks that both
 * give the same answer, byte for byte, on a sample of commands.
 */
export function viperInProcess(args: string[]): Promise<CliResult> {
  const run = queue.then(() => runInProcess(args));
  queue = run.catch(() => {});
  return run;
}

async function runInProcess(args: string[]): Promise<CliResult> {
  // Relative paths in arguments (models/…) are read from the working folder, as in viper()'s child.
  if (process.cwd() !== repoRoot) throw new Error(`viperInProcess: cwd is ${process.cwd()}, not ${repoRoot}`);
  const saved = {
    argv: process.argv,
    exitCode: process.exitCode,
    forceColor: process.env.FORCE_COLOR,
    out: process.stdout.write,
    err: process.stderr.write,
  };
  // main.ts adds an 'error' listener to each stream per run, commands their signal handlers: removed after.
  const streams = [process.stdout, process.stderr] as const;
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const streamListeners = streams.map((s) => s.listeners('error'));
  const signalListeners = signals.map((s) => process.listeners(s));
  const text = { stdout: '', stderr: '' };
  const capture = (key: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, encOrCb?: unknown, cb?: unknown): boolean => {
      text[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = typeof encOrCb === 'function' ? encOrCb : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as (e?: Error) => void)());
      return true;
    }) as typeof process.stdout.write;
  process.argv = [process.execPath, viperBin, ...args];
  process.exitCode = undefined;
  process.env.FORCE_COLOR = '0';
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    await import(/* @vite-ignore */ `${mainUrl}?run=${++runs}`);
    const code = process.exitCode ?? 0;
    return { code: Number(code), stdout: text.stdout, stderr: text.stderr };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.argv = saved.argv;
    process.exitCode = saved.exitCode;
    if (saved.forceColor === undefined) delete process.env.FORCE_COLOR;
    else process.env.FORCE_COLOR = saved.forceColor;
    for (const [i, stream] of streams.entries())
      for (const l of stream.listeners('error'))
        if (!streamListeners[i]!.includes(l)) stream.off('error', l as (err: Error) => void);
    for (const [i, signal] of signals.entries())
      for (const l of process.listeners(signal)) if (!signalListeners[i]!.includes(l)) process.off(signal, l);
  }
}
