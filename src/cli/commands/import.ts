import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, EXIT_INTERRUPTED } from '../../contracts/errors.ts';
import type { CameraMount } from '../importCamera.ts';
import { importFrames } from '../importFrames.ts';
import { importNuScenes, isNuScenesRoot } from '../importNuScenes.ts';
import { logTimeArg, numberArg } from '../args.ts';
import { createProgress } from '../progress.ts';
import { checkOutputPaths } from '../paths.ts';
import { action, onInterrupt, printJson } from '../run.ts';
import { plural } from '../words.ts';

/** `--mount x,y,z,yaw,pitch,roll`: six finite numbers, the height above the ground positive. */
function parseMount(v: string): CameraMount {
  const parts = v.split(',');
  if (parts.length !== 6)
    throw new ConfigError({
      what: `--mount needs six numbers x,y,z,yaw,pitch,roll, got '${v}'`,
      where: '--mount',
      hint: 'e.g. --mount 0,0,6,0,25,0 (6 m above the ground, looking 25° down)',
    });
  const [x, y, z, yaw, pitch, roll] = parts.map((p, k) =>
    numberArg(`--mount (${MOUNT_FIELDS[k]})`, p.trim()),
  );
  if (!(z! > 0))
    throw new ConfigError({
      what: `--mount z (the camera's height above the ground) must be positive, got ${z}`,
      where: '--mount',
      hint: 'the ground plane is z = 0 of base_link: a camera 6 m up has z = 6',
    });
  return { position: [x!, y!, z!], yawDeg: yaw!, pitchDeg: pitch!, rollDeg: roll! };
}

const MOUNT_FIELDS = ['x', 'y', 'z', 'yaw', 'pitch', 'roll'];

export function register(program: Command): void {
  program
    .command('import')
    .description(
      'turn a folder of JPEG/PNG frames or a video into a recording (CompressedImage + nominal CameraCalibration), or a nuScenes scene into a six-camera recording with its calibrations, poses and annotations',
    )
    .argument(
      '<source>',
      'folder of .jpg/.jpeg/.png images (in natural file-name order: 2.jpg before 10.jpg), a video file (decoded with ffmpeg), or a nuScenes dataroot (holding v1.0-mini/ or another version folder, and samples/)',
    )
    .requiredOption('-o, --output <file>', 'recording (.mcap) to write')
    .option('--rate <hz>', "frame rate: default 10 for a folder, the video's own for a video")
    .option('--camera <name>', 'camera id (topic /<name>/image, frame_id <name>)', 'cam0')
    .option('--start <s>', 'log time of the first frame, seconds since 1970 (read to the nanosecond)', '0')
    .option('--hfov <deg>', 'horizontal field of view of the nominal calibration', '60')
    .option(
      '--mount <x,y,z,yaw,pitch,roll>',
      "where the camera is, so replay can place objects in the world and Foxglove's 3D panel can place the camera: position in base_link (m; x forward, y left, z up = its height above the ground) and yaw (left +), pitch (down +), roll (deg); e.g. 0,0,6,0,25,0 for a camera 6 m up looking 25° down. Without it no /tf is written (a mount is not guessed): the frames show in the Image panel only, and replay gives no world objects",
    )
    .option(
      '--scene <name>',
      'nuScenes: the scene (name or token) to import; needed when the version has several',
    )
    .option(
      '--keyframes-only',
      'nuScenes: only the annotated key frames (2 Hz), not the camera frames between them (12 Hz in all)',
    )
    .option(
      '--nuscenes-version <v>',
      'nuScenes: the table version folder (v1.0-mini, v1.0-trainval, …); default: the only one',
    )
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'no progress bar')
    .action(
      action(async (source: string, o: Record<string, string | boolean>, cmd: Command) => {
        if (isNuScenesRoot(source)) return importNuScenesCommand(source, o, cmd);
        if (existsSync(join(source, 'scene.json')) && existsSync(join(source, 'sample_data.json')))
          throw new ConfigError({
            what: `${source} is a nuScenes version folder`,
            where: 'viper import',
            hint: `pass the dataroot that holds it and samples/: viper import ${dirname(resolve(source))}`,
          });
        for (const [flag, name] of [
          ['scene', '--scene'],
          ['nuscenesVersion', '--nuscenes-version'],
          ['keyframesOnly', '--keyframes-only'],
        ] as const) {
          if (o[flag] !== undefined)
            throw new ConfigError({
              what: `${name} is for a nuScenes dataroot; ${source} is not one`,
              where: 'viper import',
              hint: 'a dataroot holds a version folder (v1.0-mini/) with scene.json, and samples/',
            });
        }
        const hfov = numberArg('--hfov', String(o.hfov), { above: 1 });
        if (!(hfov < 179))
          throw new ConfigError({ what: `--hfov must be in (1, 179) degrees, got ${hfov}`, where: '--hfov' });
        checkOutputPaths([source], [{ path: String(o.output), flag: '-o', example: 'recording.mcap' }]);
        const s = await withProgress(o, (control, onProgress) =>
          importFrames({
            control,
            source,
            output: String(o.output),
            rateHz: o.rate === undefined ? undefined : numberArg('--rate', String(o.rate)),
            camera: String(o.camera),
            startNs: logTimeArg('--start', String(o.start)),
            hfovDeg: hfov,
            ...(o.mount !== undefined ? { mount: parseMount(String(o.mount)) } : {}),
            onProgress,
          }),
        );
        for (const w of s.warnings ?? []) process.stderr.write(`warning: ${w} (${source})\n`);
        if (o.json) printJson(s);
        else
          process.stdout.write(
            `${s.interrupted ? 'interrupted: ' : ''}imported ${plural(s.frames, `${s.format} frame`)} (${s.width}×${s.height}, ${Number(s.rateHz.toFixed(3))} Hz) as camera ${s.camera} over ${s.durationS.toFixed(2)} s${skippedNote(s.skipped)} → ${s.output}\n${(s.notes ?? []).map((n) => `  note: ${n}\n`).join('')}`,
          );
        return s.interrupted ? EXIT_INTERRUPTED : 0;
      }),
    );
}

/** `viper import <nuScenes dataroot>`: the frame-folder options do not apply and are refused, not ignored. */
async function importNuScenesCommand(
  source: string,
  o: Record<string, string | boolean>,
  cmd: Command,
): Promise<number> {
  for (const flag of ['rate', 'camera', 'start', 'hfov', 'mount'])
    if (cmd.getOptionValueSource(flag) === 'cli')
      throw new ConfigError({
        what: `--${flag} is for a folder of frames or a video; a nuScenes scene has its own cameras, times and calibrations`,
        where: 'viper import',
      });
  checkOutputPaths([source], [{ path: String(o.output), flag: '-o', example: 'recording.mcap' }]);
  const s = await withProgress(o, (control, onProgress) =>
    importNuScenes({
      dataroot: source,
      output: String(o.output),
      ...(o.scene !== undefined ? { scene: String(o.scene) } : {}),
      ...(o.nuscenesVersion !== undefined ? { version: String(o.nuscenesVersion) } : {}),
      keyframesOnly: o.keyframesOnly === true,
      control,
      onProgress,
    }),
  );
  if (o.json) printJson(s);
  else {
    const count = (pointless: boolean) =>
      Object.entries(s.skipped)
        .filter(([k]) => k.endsWith('(no lidar or radar point)') === pointless)
        .reduce((n, [, v]) => n + v, 0);
    const untracked = count(false);
    const unseen = count(true);
    const left = [
      ...(untracked ? [`${untracked} of classes Viper does not track`] : []),
      ...(unseen ? [`${unseen} with no lidar or radar point`] : []),
    ];
    process.stdout.write(
      `${s.interrupted ? 'interrupted: ' : ''}imported nuScenes ${s.version} ${s.scene}: ${s.frames} rig frames (${s.keyFrames} annotated) over ${s.durationS.toFixed(1)} s, ${s.cameras.length} cameras, ${s.objects} objects (${s.actors} annotations${left.length ? `; left out: ${left.join(', ')}` : ''})${s.unmatchedFrames ? `, ${s.unmatchedFrames} sweep frames with no CAM_FRONT frame to join left out` : ''} → ${s.output}\n`,
    );
  }
  return s.interrupted ? EXIT_INTERRUPTED : 0;
}

/**
 * An import with a progress bar (frames; a video may not say how many) and Ctrl-C: the first signal stops it after
 * the frame being written and the output is finalized.
 */
async function withProgress<S extends { interrupted?: boolean }>(
  o: Record<string, string | boolean>,
  run: (
    control: { stopped: boolean },
    onProgress: (done: number, total: number | undefined) => void,
  ) => Promise<S>,
): Promise<S> {
  let bar: ReturnType<typeof createProgress> | undefined;
  const control = { stopped: false };
  const dispose = onInterrupt((sig) => {
    process.stderr.write(`\n${sig}: stopping, finalizing ${String(o.output)}\n`);
    control.stopped = true;
  });
  const s = await run(control, (done, total) => {
    bar ??= createProgress('import', total ?? 0, 'frames', o.json !== true && o.progress !== false);
    bar.update(done);
  }).finally(dispose);
  if (s.interrupted) bar?.stop();
  else bar?.finish();
  return s;
}

/** Names shown on the summary line; `--json` lists them all. */
const SKIPPED_SHOWN = 5;

/** `, skipped 2 files that are not JPEG or PNG (notes.txt, Thumbs.db)`, or '' when none were. */
export function skippedNote(skipped: readonly string[] | undefined): string {
  if (!skipped || skipped.length === 0) return '';
  const n = skipped.length;
  const shown = skipped.slice(0, SKIPPED_SHOWN).join(', ');
  const more = n > SKIPPED_SHOWN ? ` and ${n - SKIPPED_SHOWN} more` : '';
  return `, skipped ${n} file${n === 1 ? '' : 's'} that ${n === 1 ? 'is' : 'are'} not JPEG or PNG (${shown}${more})`;
}
