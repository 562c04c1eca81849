/**
 * `npx viper …` runs viper in a shell (`sh -c`) under npm. npm passes a SIGTERM to that shell, and dash (Debian's
 * sh) dies of it without passing it on, leaving viper to init. Under npm (npm_command=exec) a parent gone stops the
 * command as SIGTERM does; otherwise (nohup, a shell that exits) it runs on. And a group-wide SIGTERM, which kills
 * the shell and reaches viper too, is one stop: the outputs are finalized, not abandoned as on a second signal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../shared.ts';
import { viperBin } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-orphaned-'));
const dist = join(dir, 'dist');
const file = join(dir, 'rec.mcap');

beforeAll(async () => {
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>viewer</title>');
  await writeRigRecording(file, { frames: 3 });
});

function env(underNpm: boolean): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', VIPER_VIEWER_DIST: dist };
  // `npm test` sets npm_command itself (to "test"), `npx vitest` to "exec".
  if (underNpm) e.npm_command = 'exec';
  else delete e.npm_command;
  return e;
}

/** Collects a child's output; resolves once `pattern` has appeared in it. */
function output(child: ChildProcess) {
  let text = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const feed = (d: Buffer) => {
    text += d.toString();
    for (const w of [...waiters]) {
      const m = w.pattern.exec(text);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  return {
    text: () => text,
    when: (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const m = pattern.exec(text);
        if (m) return resolve(m);
        waiters.push({ pattern, resolve });
        child.on('exit', () => reject(new Error(`exited before ${pattern}: ${text}`)));
      }),
  };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 100) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

/** A stand-in for the shell npm starts viper in: starts `viper view`, prints the child's pid, then waits. */
const SHELL = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, process.argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
process.stdout.write('pid ' + child.pid + '\\n');
setInterval(() => {}, 1000);
`;

async function viewUnderShell(underNpm: boolean) {
  const shell = spawn(process.execPath, ['-e', SHELL, viperBin, 'view', file, '--no-open'], {
    cwd: repoRoot,
    env: env(underNpm),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = output(shell);
  const pid = Number((await out.when(/pid (\d+)\n/))[1]);
  await out.when(/http:\/\//);
  return { shell, pid };
}

it('under npm, viper view stops when the shell it runs in is gone', async () => {
  const { shell, pid } = await viewUnderShell(true);
  shell.kill('SIGKILL');
  const gone = await waitForExit(pid, 10_000);
  if (!gone) process.kill(pid, 'SIGKILL');
  expect(gone).toBe(true);
});

it('not under npm (nohup, a shell that exits), it serves on after its parent is gone', async () => {
  const { shell, pid } = await viewUnderShell(false);
  shell.kill('SIGKILL');
  const gone = await waitForExit(pid, 2_000);
  if (!gone) process.kill(pid, 'SIGTERM');
  expect(gone).toBe(false);
  expect(await waitForExit(pid, 10_000)).toBe(true);
});

it('the real `npm exec -- viper view`: a SIGTERM to npm stops the viewer', async () => {
  const npm = spawn('npm', ['exec', '--', 'viper', 'view', file, '--no-open'], {
    cwd: repoRoot,
    env: env(false),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = output(npm);
  const url = (await out.when(/http:\/\/\S+/))[0];
  npm.kill('SIGTERM');
  await exited(npm);
  let serving = true;
  for (let waited = 0; serving && waited < 10_000; waited += 200) {
    serving = await fetch(url).then(
      () => true,
      () => false,
    );
    if (serving) await new Promise((r) => setTimeout(r, 200));
  }
  expect(serving, out.text()).toBe(false);
});

/**
 * Under a shell that does not pass signals on (as dash under npm), a process busy when a group-wide SIGTERM arrives
 * sees its parent gone and the signal at once: still one stop, which finalizes (it had quit as on a second signal).
 */
const BUSY = `
import { onInterrupt } from ${JSON.stringify(join(repoRoot, 'src', 'cli', 'run.ts'))};
onInterrupt((sig) => {
  process.stdout.write('stop ' + sig + '\\n');
  setTimeout(() => { process.stdout.write('finalized\\n'); process.exit(0); }, 200);
});
setInterval(() => {}, 1000);
process.stdout.write('busy ' + process.pid + '\\n');
// Busy in a setImmediate: the loop's next turn runs its timers (the parent watch) before it reads the signal.
setImmediate(() => { const t = performance.now(); while (performance.now() - t < 1500); });
`;

it('a group-wide SIGTERM under npm, met while busy, is one stop: the command finalizes', async () => {
  // `; true` keeps the shell from running node in its own place, as dash under npm does not.
  const script = join(dir, 'busy.mts');
  writeFileSync(script, BUSY);
  const shell = spawn('sh', ['-c', `"${process.execPath}" --import tsx "${script}"; true`], {
    cwd: repoRoot,
    env: env(true),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const out = output(shell);
  const pid = Number((await out.when(/busy (\d+)\n/))[1]);
  process.kill(-shell.pid!, 'SIGTERM');
  await exited(shell);
  // The shell is gone at once; the node process writes into the pipe until it ends.
  expect(await waitForExit(pid, 10_000)).toBe(true);
  expect(out.text()).toMatch(/stop SIGTERM\nfinalized\n/);
});
