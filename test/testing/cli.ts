/** Run the real `viper` CLI in a child process. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../shared.ts';

export const viperBin = join(repoRoot, 'bin', 'viper.js');

interface CliResult {
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
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start the CLI and return the child (for signals). */
export function viperSpawn(args: string[]) {
  return spawn(process.execPath, [viperBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
}
