/**
 * `npm run bench [-- name…]`: runs every bench/*.bench.ts, or the one named (a part of a name runs every match).
 * Each benchmark measures its own baseline in the same run and prints ratios, never absolute pass/fail times.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_SETTINGS } from './env.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const names = all.map((f) => f.replace('.bench.ts', ''));
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    `npm run bench [-- name…]: every benchmark, or the one named (a part of a name: those it matches)\n  ${names.join('\n  ')}\n` +
      `settings (environment variables):\n${Object.entries(BENCH_SETTINGS)
        .map(([k, v]) => `  ${k}  ${v}\n`)
        .join('')}`,
  );
  process.exit(0);
}
const filters = args.filter((a) => !a.startsWith('-'));
// A benchmark's full name runs that one (`detect` is not also detect-bundled); part of a name, every match.
const picks = (f: string, x: string) => (names.includes(x) ? f === `${x}.bench.ts` : f.includes(x));
const files = all.filter((f) => filters.length === 0 || filters.some((x) => picks(f, x)));
if (files.length === 0) {
  process.stderr.write(`error: no benchmark matches ${filters.join(', ')} — they are: ${names.join(', ')}\n`);
  process.exit(2);
}
for (const file of files) {
  process.stdout.write(`\n=== ${file.replace('.bench.ts', '')} ===\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
  await mod.run();
}
