/**
 * `--params`: tracker and fusion settings from a file. The defaults `viper params` prints are the ones replay
 * uses (given back, the perception outputs are the same bytes), a changed value changes them, the file is
 * recorded in the results' metadata, and a mistake in it is one line naming the file and the field. `viper params`
 * and the model's replays (ONNX Runtime) run the real `bin/viper.js`; the oracle's replays run its entry point
 * in-process (`viperInProcess`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapIndexedReader } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { loadDecompressHandlers } from '@mcap/support';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/contracts/errors.ts';
import { DEFAULT_MEASURE } from '../../src/fuse/measure.ts';
import { MeasureParams, WorldTrackerParams } from '../../src/fuse/params.ts';
import { DEFAULT_WORLD_TRACKER } from '../../src/fuse/worldTracker.ts';
import { buildStages } from '../../src/graph/buildStages.ts';
import {
  defaultParams,
  defaultParamsYaml,
  loadParams,
  paramChanges,
  paramsFromValue,
  setsNothing,
  setsOnlyDefaults,
} from '../../src/graph/params.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { simulateSmall } from '../testing/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-params-'));
const rec = join(dir, 'ped.mcap');

beforeAll(async () => {
  await simulateSmall('pedestrian_crossing', rec, { duration: 3.5 });
}, 120_000);

/** Every /perception/ message: topic, log time and bytes. */
async function perception(path: string): Promise<string[]> {
  const r = await RecordingReader.open(path);
  const out: string[] = [];
  try {
    for await (const m of r.messages())
      if (m.channel.topic.startsWith('/perception/'))
        out.push(`${m.channel.topic} ${m.logTimeNs} ${Buffer.from(m.data).toString('base64')}`);
  } finally {
    await r.close();
  }
  return out;
}

async function viperMetadata(path: string): Promise<Map<string, string>> {
  const fh = await open(path, 'r');
  try {
    const reader = await McapIndexedReader.Initialize({
      readable: new FileHandleReadable(fh),
      decompressHandlers: await loadDecompressHandlers(),
    });
    for await (const m of reader.readMetadata({ name: 'viper' })) return m.metadata;
    return new Map();
  } finally {
    await fh.close();
  }
}

async function replay(out: string, ...extra: string[]) {
  const r = await viperInProcess([
    'replay',
    rec,
    '-o',
    out,
    '--detector',
    'oracle',
    '--no-progress',
    ...extra,
  ]);
  expect(r.code, r.stderr).toBe(0);
}

describe('replay --params', () => {
  it('the printed defaults are the ones in use; a changed value changes the outputs; the file is recorded', async () => {
    const defaults = join(dir, 'defaults.yaml');
    const printed = viper(['params']);
    expect(printed.code).toBe(0);
    writeFileSync(defaults, printed.stdout);
    await replay(join(dir, 'plain.mcap'));
    await replay(join(dir, 'defaults.mcap'), '--params', defaults);
    const plain = await perception(join(dir, 'plain.mcap'));
    expect(plain.length).toBeGreaterThan(50);
    expect(await perception(join(dir, 'defaults.mcap'))).toEqual(plain);
    // With the bundled model too, whose card sets the birth threshold the defaults file leaves to it.
    const model = (out: string, ...extra: string[]) => {
      const r = viper(['replay', rec, '-o', out, '--no-progress', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return perception(out);
    };
    const modelPlain = await model(join(dir, 'model-plain.mcap'));
    expect(modelPlain.filter((l) => l.includes('/annotations ')).length).toBeGreaterThan(50);
    expect(await model(join(dir, 'model-defaults.mcap'), '--params', defaults)).toEqual(modelPlain);
    expect(JSON.parse((await viperMetadata(join(dir, 'defaults.mcap'))).get('params')!)).toEqual(
      defaultParams(),
    );
    expect((await viperMetadata(join(dir, 'plain.mcap'))).has('params')).toBe(false);

    // No world object is reported before 1,000 updates: /perception/objects stays empty.
    const strict = join(dir, 'strict.yaml');
    writeFileSync(strict, 'fuse:\n  worldTracker:\n    minHits: 1000\n');
    await replay(join(dir, 'strict.mcap'), '--params', strict);
    const objects = (await perception(join(dir, 'strict.mcap'))).filter((l) =>
      l.startsWith('/perception/objects '),
    );
    const plainObjects = plain.filter((l) => l.startsWith('/perception/objects '));
    expect(objects.length).toBe(plainObjects.length);
    expect(objects).not.toEqual(plainObjects);
    const r = await RecordingReader.open(join(dir, 'strict.mcap'));
    try {
      for await (const m of r.messages({ topics: ['/perception/objects'] }))
        expect((r.decoder(m.channel.id)(m.data) as { objects: unknown[] }).objects).toEqual([]);
    } finally {
      await r.close();
    }
  }, 180_000);

  it('a mistake in the file is one line naming the file and the field, before anything is written', async () => {
    const bad = join(dir, 'bad.yaml');
    const cases: [string, RegExp][] = [
      [
        'tracker:\n  matchThres: 0.9\n',
        /unknown parameter 'tracker\.matchThres' \(.*bad\.yaml\) — did you mean 'matchThresh'\?/,
      ],
      ['fuse:\n  worldTracker:\n    yawGain: 2\n', /fuse\.worldTracker\.yawGain: .*\(.*bad\.yaml\)/],
      ['tracker: [1, 2\n', /not YAML or JSON/],
      ['tracker:\n  appearanceCap: 0.1\n', /appearanceCap 0\.1 is below appearanceNeutral/],
    ];
    for (const [text, pattern] of cases) {
      writeFileSync(bad, text);
      const out = join(dir, 'never.mcap');
      const r = await viperInProcess(['replay', rec, '-o', out, '--detector', 'oracle', '--params', bad]);
      expect(r.code, text).toBe(2);
      expect(r.stderr.trim().split('\n'), text).toHaveLength(1);
      expect(r.stderr, text).toMatch(pattern);
    }
    const fuseOnly = join(dir, 'fuse-only.yaml');
    writeFileSync(fuseOnly, 'fuse:\n  worldTracker:\n    maxCoastS: 4\n');
    const sectionOff = await viperInProcess([
      'replay',
      rec,
      '-o',
      join(dir, 'n.mcap'),
      '--detector',
      'oracle',
      '--no-fuse',
      '--params',
      fuseOnly,
    ]);
    // Not refused (the defaults file has every section), but said.
    expect(sectionOff.code, sectionOff.stderr).toBe(0);
    expect(sectionOff.stderr).toMatch(/note: the parameter file's fuse section is not used: fusion is off/);
  });
});

describe("the other tracker's settings in a parameter file", () => {
  it('are named in a note when changed (SORT had ignored a matchThresh without a word), not for the defaults file', async () => {
    const notes = async (tracker: 'sort' | 'bytetrack', t: Record<string, unknown>) => {
      const b = await buildStages({ detector: 'oracle', tracker, fuse: false, params: { tracker: t } }, rec);
      for (const s of b.stages) await s.close?.();
      return b.notes.filter((n) => n.includes('does not use'));
    };
    expect(await notes('sort', { matchThresh: 0.1, trackThresh: 0.9, minHits: 2 })).toEqual([
      'note: the parameter file sets trackThresh 0.9, matchThresh 0.1, which the SORT tracker does not use (--tracker bytetrack does)',
    ]);
    expect(await notes('bytetrack', { minHits: 50 })).toEqual([
      'note: the parameter file sets minHits 50, which the ByteTrack tracker does not use (--tracker sort does)',
    ]);
    const defaults = JSON.parse((await viperInProcess(['params', '--json'])).stdout).tracker as Record<
      string,
      unknown
    >;
    expect(await notes('sort', defaults)).toEqual([]);
    expect(await notes('bytetrack', defaults)).toEqual([]);
  }, 60_000);
});

describe("the model card's birth threshold", () => {
  it('applies unless the command line or a parameter file sets the thresholds', async () => {
    const birth = async (o: Parameters<typeof buildStages>[0]) => {
      const b = await buildStages({ detector: 'model', fuse: false, ...o }, rec);
      for (const s of b.stages) await s.close?.();
      return b.metadata.birthThresh;
    };
    expect(await birth({})).toBe('0.5'); // viper-det.card.json
    expect(await birth({ birthThresh: 0.7 })).toBe('0.7');
    expect(await birth({ trackThresh: 0.4 })).toBeUndefined(); // the reference rule: τ_high + 0.1
    expect(await birth({ params: { tracker: { newTrackMargin: 0.2 } } })).toBeUndefined();
    // A file's track threshold keeps the card's birth threshold, raised to it when higher.
    expect(await birth({ params: { tracker: { trackThresh: 0.5 } } })).toBe('0.5');
    expect(await birth({ params: { tracker: { trackThresh: 0.7 } } })).toBe('0.7');
    expect(await birth({ tracker: 'sort' })).toBeUndefined();
  }, 60_000);
});

describe('a parameter file as editors save it', () => {
  it('UTF-8 with a byte-order mark, UTF-16 (Windows PowerShell 5.1 redirects so) read as UTF-8 does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viper-params-text-'));
    const text = defaultParamsYaml().replace('trackThresh: 0.5', 'trackThresh: 0.45');
    const want = await loadParams(writeTo(join(dir, 'utf8.yaml'), Buffer.from(text)));
    expect(want.tracker?.trackThresh).toBe(0.45);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    for (const [name, bytes] of [
      ['le', le],
      ['be', be],
      ['bom', bom],
    ] as const)
      expect(await loadParams(writeTo(join(dir, `${name}.yaml`), bytes)), name).toEqual(want);
  });
});

function writeTo(path: string, bytes: Buffer): string {
  writeFileSync(path, bytes);
  return path;
}

describe('parameter schemas', () => {
  it('name every field of the stages’ configurations (a new setting cannot be left out of --params)', () => {
    expect(Object.keys(MeasureParams.shape).sort()).toEqual(Object.keys(DEFAULT_MEASURE).sort());
    expect(Object.keys(WorldTrackerParams.shape).sort()).toEqual(
      Object.keys(DEFAULT_WORLD_TRACKER)
        .filter((k) => k !== 'frameId')
        .sort(),
    );
    expect(paramsFromValue(defaultParams(), 'x')).toEqual(defaultParams());
  });

  it('an empty section is no settings; a setting made elsewhere says where', () => {
    expect(paramsFromValue({ tracker: null, fuse: { measure: null } }, 'p.yaml')).toEqual({ fuse: {} });
    expect(() => paramsFromValue({ tracker: { kind: 'sort' } }, 'p.yaml')).toThrow(/chosen with --tracker/);
    expect(() => paramsFromValue({ tracker: { zzz: 1 } }, 'p.yaml')).toThrow(
      /unknown parameter 'tracker\.zzz'/,
    );
  });

  it('a file that sets nothing is no parameters; the two fields viper params leaves out are still named', () => {
    expect(setsNothing(paramsFromValue({ tracker: null, fuse: { measure: {} } }, 'p.yaml'))).toBe(true);
    expect(setsNothing(paramsFromValue({ tracker: { buffer: 0.2 } }, 'p.yaml'))).toBe(false);
    expect(() => paramsFromValue({ tracker: { classGroup: [] } }, 'p.yaml')).toThrow(
      /did you mean 'classGroups'/,
    );
  });

  it('a file of defaults only (viper params unedited, or part of it) is told from one that changes a value', async () => {
    const file = join(dir, 'defaults.yaml');
    writeFileSync(file, defaultParamsYaml());
    expect(setsOnlyDefaults(await loadParams(file))).toBe(true);
    expect(setsOnlyDefaults(paramsFromValue({ tracker: { matchThresh: 0.95 } }, 'p.yaml'))).toBe(true);
    expect(setsOnlyDefaults(paramsFromValue({}, 'p.yaml'))).toBe(true);
    expect(setsOnlyDefaults(paramsFromValue({ tracker: { matchThresh: 0.9 } }, 'p.yaml'))).toBe(false);
    expect(setsOnlyDefaults(paramsFromValue({ fuse: { worldTracker: { minHits: 3 } } }, 'p.yaml'))).toBe(
      false,
    );
    // No fixed default: replay sets it per camera, a file naming it changes the run.
    expect(setsOnlyDefaults(paramsFromValue({ tracker: { imageWidth: 0 } }, 'p.yaml'))).toBe(false);
  });

  it('paramChanges names the settings that differ from their defaults, by dotted path', async () => {
    const file = join(dir, 'defaults-changes.yaml');
    writeFileSync(file, defaultParamsYaml());
    expect(paramChanges(await loadParams(file))).toEqual({});
    expect(
      paramChanges(
        paramsFromValue(
          {
            tracker: { matchThresh: 0.95, trackBuffer: 45, classGroups: [['car', 'truck']] },
            fuse: { measure: { sigmaVPx: 2 }, worldTracker: { maxCoastS: 4 } },
          },
          'p.yaml',
        ),
      ),
    ).toEqual({
      'tracker.trackBuffer': 45,
      'tracker.classGroups': [['car', 'truck']],
      'fuse.worldTracker.maxCoastS': 4,
    });
  });

  it('a missing file is one line', async () => {
    await expect(loadParams(join(dir, 'nope.yaml'))).rejects.toThrow(ConfigError);
    await expect(loadParams(join(dir, 'nope.yaml'))).rejects.toThrow(/file not found/);
  });
});
