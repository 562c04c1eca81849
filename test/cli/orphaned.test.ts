/**
 * `npx viper …` runs viper under npm, which does not pass a SIGTERM on: npm dies and viper is left to init. Under
 * npm (npm_command=exec) a parent gone stops the command as SIGTERM does; otherwise (nohup, a shell that exits) it
 * runs on. A stand-in parent process plays npm here, killed with SIGKILL.
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

/** The stand-in for npm: starts `viper view` with its output inherited, prints the child's pid, then waits. */
const PARENT = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, process.argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
process.stdout.write('pid ' + child.pid + '\\n');
setInterval(() => {}, 1000);
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the parent and its `viper view`; resolves once the server printed its URL. */
async function startUnderParent(underNpm: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', VIPER_VIEWER_DIST: dist };
  // \`npm test\` sets npm_command itself (to "test").
  if (underNpm) env.npm_command = 'exec';
  else delete env.npm_command;
  const parent: ChildProcess = spawn(process.execPath, ['-e', PARENT, viperBin, 'view', file, '--no-open'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  parent.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /pid (\d+)\n/.exec(out);
      if (m && /http:\/\//.test(out)) resolve(Number(m[1]));
    });
    parent.on('exit', () => reject(new Error(`parent exited: ${out} ${err}`)));
  });
  return { parent, pid, output: () => out + err };
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 100) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

it('under npm, viper view stops when npm is gone (killed without passing the signal on)', async () => {
  const { parent, pid } = await startUnderParent(true);
  parent.kill('SIGKILL');
  const exited = await waitForExit(pid, 10_000);
  if (!exited) process.kill(pid, 'SIGKILL');
  expect(exited).toBe(true);
});

it('not under npm (nohup, a shell that exits), it serves on after its parent is gone', async () => {
  const { parent, pid } = await startUnderParent(false);
  parent.kill('SIGKILL');
  const exited = await waitForExit(pid, 2_000);
  if (!exited) process.kill(pid, 'SIGTERM');
  expect(exited).toBe(false);
  expect(await waitForExit(pid, 10_000)).toBe(true);
});
