import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ScenarioError } from '../../src/contracts/errors.ts';
import {
  loadScenario,
  scenarioFromText,
  scenarioFromValue,
  scenarioJsonSchema,
} from '../../src/sim/scenario/load.ts';
import { repoRoot } from '../shared.ts';
import { agentStateAt, egoStateAt } from '../../src/sim/world/world.ts';
import { runSimulate, tinyScenario } from './testing.ts';

// biome-ignore lint/suspicious/noExplicitAny: mutations reach into arbitrary nested fields of a scenario
type Loose = Record<string, any>;
type Mut = (s: Loose) => void;
const mutate = (m: Mut) => {
  const s = structuredClone(tinyScenario()) as Loose;
  m(s);
  return s;
};

/** Move a field to another (misspelt) name. */
const rename = (o: Loose, from: string, to: string) => {
  o[to] = o[from];
  delete o[from];
};

/** A two-lane road 'cross' along x = 100, crossing tinyScenario's 'main' (along y = 0). */
const crossRoad = (s: Loose) =>
  s.map.roads.push({
    id: 'cross',
    points: [
      [100, -100],
      [100, 100],
    ],
    lanes: 2,
  });

/** tinyScenario as YAML with its road's points, or the ego's speed, written as given (flow style, `.inf` for ∞). */
const roadOf = (points: string) =>
  stringify(mutate((s) => (s.map.roads[0].points = 'POINTS'))).replace('POINTS', points);
const egoSpeed = (speed: string) => stringify(mutate((s) => (s.ego.speed = 'SPEED'))).replace('SPEED', speed);

/** Broken scenarios: [label, file text, expected field path in the message, expected words in the fix]. */
const BROKEN: [string, string, string, RegExp][] = [
  ['bad YAML', 'name: x\nduration: [1, 2\n', 'line', /syntax/],
  ['not a mapping', '- 1\n- 2\n', '(top level)', /scenario/],
  ['missing duration', stringify(mutate((s) => delete s.duration)), 'duration', /add duration.*seconds/],
  ['wrong type', stringify(mutate((s) => (s.actors[0].speed = '10 m/s'))), 'actors[0].speed', /number/],
  [
    'a speed for a one-point route (it stands still: the speed was ignored unsaid)',
    stringify(mutate((s) => (s.actors[0].route = s.actors[0].route.slice(0, 1)))),
    'actors[0].speed',
    /second point to move to, or leave speed out/,
  ],
  [
    'a speed for a route of one point twice',
    stringify(mutate((s) => (s.actors[0].route = [s.actors[0].route[0], s.actors[0].route[0]]))),
    'actors[0].speed: 5 m/s with a route that goes nowhere (2 points at one place)',
    /second point to move to/,
  ],
  [
    'unknown class',
    stringify(mutate((s) => (s.actors[1].class = 'tank'))),
    "actors[1].class: unknown class 'tank'",
    /use one of car, truck, bus, pedestrian, cyclist, motorcycle/,
  ],
  [
    'negative duration',
    stringify(mutate((s) => (s.duration = -5))),
    'duration: -5 is too small',
    /more than 0/,
  ],
  [
    'unknown field',
    stringify(mutate((s) => (s.actors[0].sped = 3))),
    "actors[0]: unknown field 'sped'",
    /did you mean 'speed'/,
  ],
  [
    'unknown behaviour',
    stringify(mutate((s) => (s.actors[0].behaviours = [{ type: 'teleport', at: 1 }]))),
    "actors[0].behaviours[0].type: unknown type 'teleport'",
    /use one of cut_in, stop, cross, turn, follow/,
  ],
  [
    'unknown road',
    stringify(mutate((s) => (s.actors[0].route[0].road = 'mian'))),
    "actors[0].route[0].road: unknown road 'mian'",
    /did you mean 'main'/,
  ],
  [
    'route off the map',
    stringify(mutate((s) => (s.actors[0].route[1] = [150, 80]))),
    'actors[0].route[1]: route is off the map',
    /put vehicle routes on a road/,
  ],
  [
    // Both waypoints on the asphalt, the straight leg between them 30 m through the verge.
    'route leg off the road',
    stringify(
      mutate((s) => {
        crossRoad(s);
        s.actors[0].route = [
          { road: 'main', at: 40, lane: 1 },
          { road: 'cross', at: 180, lane: 1 },
        ];
      }),
    ),
    'actors[0].route[1]: the leg from route[0] leaves the road',
    /add a waypoint where the road bends or turns/,
  ],
  [
    // The rig-wide k1 is for the preset's cameras: with cameras of one's own it was dropped without a word.
    'rig k1 with cameras of its own',
    stringify(mutate((s) => (s.rig.k1 = -0.2))),
    'rig.k1: k1 -0.2 applies to the preset',
    /its own distortion/,
  ],
  [
    'a camera with both fx and hfov',
    stringify(mutate((s) => (s.rig.cameras[0].fx = 300))),
    'rig.cameras[0]: gives both fx (300 px) and hfov (70°)',
    /keep one/,
  ],
  [
    'an event on an actor of a scenario with none',
    stringify(
      mutate((s) => {
        s.actors = [];
        s.expect = { events: [{ type: 'no_id_switch', actor: 'P1' }] };
      }),
    ),
    "expect.events[0].actor: unknown actor 'P1'",
    /^the scenario has no actors$/,
  ],
  [
    // Every waypoint on the asphalt and the straight legs too: the turn's rounded corner cuts 8 m inside it.
    'a turn radius that rounds a corner off the road',
    stringify(
      mutate((s) => {
        crossRoad(s);
        s.actors[0].route = [
          [60, -1.75],
          [101.75, -1.75],
          [101.75, -60],
        ];
        s.actors[0].behaviours = [{ type: 'turn', radius: 40 }];
      }),
    ),
    'actors[0].route[1]: the rounded leg from route[0] leaves the road',
    /use a smaller radius/,
  ],
  [
    // expect's `camera: world` is the fused result, so such a camera's own metrics could never be asked for.
    'a camera named world',
    stringify(mutate((s) => (s.rig.cameras[1].id = 'world'))),
    "rig.cameras[1].id: 'world' is reserved",
    /another id/,
  ],
  [
    'a camera looking at the sky',
    stringify(mutate((s) => (s.rig.cameras[0].pitch = -90))),
    "rig.cameras[0]: camera 'cam_front' looks only above the horizon",
    /down positive/,
  ],
  [
    'lane that does not exist',
    stringify(mutate((s) => (s.actors[0].route[0].lane = 3))),
    'actors[0].route[0].lane: lane 3 does not exist',
    /use one of -1, 1/,
  ],
  [
    'overlapping spawn',
    stringify(mutate((s) => (s.actors[1] = { ...s.actors[0], id: 'C2' }))),
    "'C2' spawns overlapping 'C1'",
    /move one of them apart/,
  ],
  [
    'spawn on the ego',
    stringify(mutate((s) => (s.actors[0].route[0].at = 21))),
    'spawns overlapping the ego',
    /move its first route point/,
  ],
  [
    'impossible focal length',
    stringify(mutate((s) => (s.rig.cameras[0].fx = -100))),
    'rig.cameras[0].fx: focal length -100 px is impossible',
    /positive focal length/,
  ],
  [
    'principal point outside image',
    stringify(mutate((s) => (s.rig.cameras[0].cx = 400))),
    'rig.cameras[0].cx',
    /0 < cx < 160/,
  ],
  [
    'field of view impossible',
    stringify(mutate((s) => (s.rig.cameras[1].hfov = 200))),
    'rig.cameras[1].hfov',
    /1 to 170 degrees/,
  ],
  [
    'a distortion coefficient of 1e9',
    stringify(mutate((s) => (s.rig.cameras[0].distortion = [1e9, 0, 0, 0, 0]))),
    'rig.cameras[0].distortion[0]',
    /well under 1/,
  ],
  [
    'folding distortion',
    stringify(mutate((s) => (s.rig.cameras[0].distortion = [-0.9, 0, 0, 0, 0]))),
    'rig.cameras[0].distortion',
    /smaller distortion/,
  ],
  [
    'dropout on unknown camera',
    stringify(mutate((s) => (s.dropouts = [{ camera: 'cam_frnt', start: 0, end: 1 }]))),
    "dropouts[0].camera: unknown camera 'cam_frnt'",
    /did you mean 'cam_front'/,
  ],
  [
    'dropout ends before start',
    stringify(mutate((s) => (s.dropouts = [{ camera: 'cam_front', start: 0.8, end: 0.2 }]))),
    'dropouts[0].end',
    /later than start/,
  ],
  [
    'a lane change in centimetres',
    stringify(
      mutate((s) => (s.actors[0].behaviours = [{ type: 'cut_in', at: 0.5, duration: 1, offset: 350 }])),
    ),
    'actors[0].behaviours[0].offset',
    /offset is in metres/,
  ],
  [
    'a lane change to the right from the right lane (onto the verge)',
    stringify(
      mutate((s) => (s.actors[0].behaviours = [{ type: 'cut_in', at: 0.1, duration: 0.5, offset: -3.5 }])),
    ),
    'actors[0].behaviours[0].offset',
    /offset that ends in a lane/,
  ],
  [
    "the ego's own lane change onto the verge",
    stringify(mutate((s) => (s.ego.behaviours = [{ type: 'cut_in', at: 0.1, duration: 0.5, offset: -3.5 }]))),
    'ego.behaviours[0].offset',
    /offset that ends in a lane/,
  ],
  [
    'a pedestrian at 30 m/s (km/h meant)',
    stringify(mutate((s) => (s.actors[1].speed = 30))),
    'actors[1].speed',
    /speed is in m\/s: a walk is 1.4/,
  ],
  [
    'a building on the road',
    stringify(
      mutate((s) => (s.map.objects = [{ type: 'building', position: [50, -1.75], size: [6, 3, 6] }])),
    ),
    'map.objects[0]',
    /beside the road/,
  ],
  [
    'a building beside the road whose footprint reaches over it (turned 90°)',
    stringify(
      mutate((s) => (s.map.objects = [{ type: 'building', position: [50, 10], size: [16, 4, 6], yaw: 90 }])),
    ),
    'map.objects[0]',
    /beside the road .*or make it smaller/,
  ],
  [
    'camera under the road',
    stringify(
      mutate(
        (s) =>
          (s.rig = {
            cameras: [{ id: 'cam_front', width: 160, height: 90, hfov: 90, position: [1, 0, -1] }],
          }),
      ),
    ),
    'rig.cameras[0].position',
    /third value/,
  ],
  [
    'dropout after the end',
    stringify(mutate((s) => (s.dropouts = [{ camera: 'cam_front', start: 5, end: 9 }]))),
    'dropouts[0].start',
    /use a time before 1/,
  ],
  [
    'follow unknown actor',
    stringify(mutate((s) => (s.actors[0].behaviours = [{ type: 'follow', target: 'X9' }]))),
    "unknown actor 'X9'",
    /actors or parked vehicles are/,
  ],
  [
    'follow a building',
    stringify(
      mutate((s) => {
        s.map.objects = [{ id: 'HQ', type: 'building', position: [100, 30], size: [20, 10, 10] }];
        s.actors[0].behaviours = [{ type: 'follow', target: 'HQ' }];
      }),
    ),
    "'HQ' is a building, which does not drive",
    /follow an actor or a parked vehicle/,
  ],
  [
    'expect names unknown actor',
    stringify(mutate((s) => (s.expect = { events: [{ type: 'no_id_switch', actor: 'Q1' }] }))),
    'expect.events[0].actor',
    /actors are/,
  ],
  [
    'unknown metric',
    stringify(mutate((s) => (s.expect = { metrics: [{ metric: 'ACCURACY', min: 1 }] }))),
    'expect.metrics[0].metric',
    /use one of MOTA/,
  ],
  ['start after the end', stringify(mutate((s) => (s.actors[0].start = 5))), 'actors[0].start', /before 1/],
  ['duplicate actor id', stringify(mutate((s) => (s.actors[1].id = 'C1'))), "duplicate id 'C1'", /own id/],
  // A misspelt required field is reported as the unknown field it is, not as the missing one alone.
  [
    'misspelt required field',
    stringify(mutate((s) => rename(s.actors[1], 'class', 'clas'))),
    "actors[1]: unknown field 'clas', and required field 'class' is missing",
    /did you mean 'class'\?/,
  ],
  [
    'misspelt required top-level field',
    stringify(mutate((s) => rename(s, 'duration', 'duraton'))),
    "(top level): unknown field 'duraton', and required field 'duration' is missing",
    /did you mean 'duration'\?/,
  ],
  [
    'unknown field in place of a required one',
    stringify(mutate((s) => rename(s.actors[1], 'class', 'category'))),
    "actors[1]: unknown field 'category', and required field 'class' is missing",
    /remove it; add class/,
  ],
  [
    'missing class',
    stringify(mutate((s) => delete s.actors[1].class)),
    'actors[1].class: missing class',
    /use one of car, truck/,
  ],
  // A road of no length was accepted, and every check after it blamed something else (a crossing past its end).
  [
    'a road whose two points coincide',
    roadOf('[[0, 0], [0, 0]]'),
    "map.roads[0].points[1]: [0, 0] is the same point as points[0]: road 'main' needs consecutive points at least 0.1 m apart",
    /give the road two different ends/,
  ],
  [
    'a road whose two points are 1e-9 m apart',
    roadOf('[[0, 0], [1e-9, 0]]'),
    'map.roads[0].points[1]: [1e-9, 0] is 1e-9 m from points[0]',
    /give the road two different ends/,
  ],
  [
    'a road point written twice',
    roadOf('[[0, 0], [100, 0], [100, 0], [200, 0]]'),
    'map.roads[0].points[2]: [100, 0] is the same point as points[1]',
    /remove points\[2\], or move it along the road/,
  ],
  // Two edits of a three-letter word reach most short names: 'foo' had been asked "did you mean 'ego'?".
  [
    'an unknown top-level field near no field',
    stringify(mutate((s) => (s.foo = 'bar'))),
    "(top level): unknown field 'foo'",
    /^remove it: the fields are actors, /,
  ],
  // The time of a speed profile point had been told to be "a plain number in m/s".
  [
    'an infinite time in a speed profile',
    egoSpeed('[[0, 8], [.inf, 8]]'),
    'ego.speed[1][0]: Infinity is not a finite number',
    /^write a plain number in seconds: a profile point is \[t s, v m\/s\]/,
  ],
  [
    'an infinite speed in a speed profile',
    egoSpeed('[[0, 8], [1, .inf]]'),
    'ego.speed[1][1]: Infinity is not a finite number',
    /^write a plain number in m\/s: a profile point/,
  ],
];

describe('scenario files', () => {
  it('every bundled scenario loads, has an expect block and ≥ 10 exist', async () => {
    const files = (await readdir(join(repoRoot, 'scenarios'))).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const { scenario, world } = await loadScenario(join(repoRoot, 'scenarios', f));
      expect(scenario.expect.metrics.length + scenario.expect.events.length).toBeGreaterThan(0);
      expect(world.agents.length).toBeGreaterThan(0);
    }
    const plaza = await loadScenario(join(repoRoot, 'scenarios', 'dense_plaza.yaml'));
    expect(plaza.world.agents.filter((a) => a.cls === 'pedestrian').length).toBeGreaterThanOrEqual(50);
  });

  it('JSON and YAML give the same scenario with defaults filled', () => {
    const raw = tinyScenario();
    const a = scenarioFromText(JSON.stringify(raw), 'a.json').scenario;
    const b = scenarioFromText(stringify(raw), 'b.yaml').scenario;
    expect(a).toEqual(b);
    expect(a.sensor.jpegQuality).toBe(85);
    expect(a.lighting.time).toBe('day');
  });

  it('a lane change is not blamed for a route that leaves the road by itself (cutting a corner)', () => {
    const s = mutate((x) => {
      x.duration = 4;
      x.map.roads.push({
        id: 'side',
        points: [
          [100, 0],
          [100, 100],
        ],
        lanes: 2,
      });
      x.actors[0].route = [
        { road: 'main', at: 40, lane: 1 },
        { road: 'side', at: 30, lane: 1 },
      ];
      x.actors[0].speed = 10;
      x.actors[0].behaviours = [{ type: 'cut_in', at: 0.1, duration: 0.5, offset: 0.5 }];
    });
    // The route is refused for its own leg (it cuts the corner 20 m through the verge), not the lane change.
    expect(() => scenarioFromValue(s, 'corner.yaml')).toThrow(
      /actors\[0\]\.route\[1\]: the leg from route\[0\]/,
    );
    s.actors[0].route.splice(1, 0, { road: 'main', at: 100, lane: 1 });
    expect(() => scenarioFromValue(s, 'corner.yaml')).not.toThrow();
  });

  it('a JSON scenario may name its JSON Schema ($schema, for editors)', () => {
    const text = JSON.stringify({ $schema: '../scenarios/scenario.schema.json', ...tinyScenario() });
    expect(scenarioFromText(text, 'mine.json').scenario.name).toBe('tiny');
  });

  it('the committed JSON Schema is the one the zod schema generates', async () => {
    const committed = JSON.parse(await readFile(join(repoRoot, 'scenarios', 'scenario.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });

  it.each(BROKEN)('%s → one ScenarioError naming the field and the fix', (_label, text, field, fix) => {
    let err: unknown;
    try {
      scenarioFromText(text, 'broken.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const msg = (err as ScenarioError).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain(field);
    expect((err as ScenarioError).hint ?? '').toMatch(fix);
  });

  it('the CLI prints one line, exits 2 and leaves no output file for each broken scenario', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'viper-sim-'));
    for (const [label, text] of BROKEN.slice(0, 16)) {
      const file = join(dir, 'broken.yaml');
      const out = join(dir, 'out.mcap');
      await writeFile(file, text);
      const r = await runSimulate([file, '-o', out, '--no-progress']);
      expect(r.code, label).toBe(2);
      expect(r.stderr.trim().split('\n'), label).toHaveLength(1);
      expect(r.stderr, label).toMatch(/^error: scenario: /);
      expect(existsSync(out) || existsSync(`${out}.partial`), label).toBe(false);
    }
  });

  it('takes a bundled scenario by its name, as demo and scenarios run do, and says which it meant otherwise', async () => {
    const ok = await runSimulate(['camera_dropout', '--check', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(join(repoRoot, 'scenarios', 'camera_dropout.yaml'));
    const typo = await runSimulate(['camera_dropot', '--check']);
    expect(typo.code).toBe(2);
    expect(typo.stderr.trim()).toMatch(
      /^error: config: no scenario file matches 'camera_dropot' .*did you mean 'camera_dropout'\?/,
    );
    // A path is not looked up among the bundled scenarios.
    const path = await runSimulate(['./camera_dropout', '--check']);
    expect(path.code).toBe(2);
  });

  it('the real `viper` process exits 2 with one stderr line for a broken scenario', async () => {
    const { spawnSync } = await import('node:child_process');
    const dir = await mkdtemp(join(tmpdir(), 'viper-sim-'));
    const file = join(dir, 'broken.yaml');
    await writeFile(file, BROKEN.find((b) => b[0] === 'unknown class')![1]);
    const out = join(dir, 'out.mcap');
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'viper.js'), 'simulate', file, '-o', out], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("actors[1].class: unknown class 'tank'");
    expect(existsSync(out)).toBe(false);
  });

  it('a road of no length is the one mistake --check reports: the checks that measure along it do not pile on', () => {
    const s = mutate((x) => {
      x.map.roads[0].points = [
        [0, 0],
        [0, 0],
      ];
      x.map.crossings = [{ road: 'main', at: 62 }];
    });
    let err: unknown;
    try {
      scenarioFromValue(s, 'zero.yaml', { allMistakes: true });
    } catch (e) {
      err = e;
    }
    const all = (err as { all?: readonly ScenarioError[] }).all ?? [];
    expect(all.map((e) => e.what)).toEqual([
      "map.roads[0].points[1]: [0, 0] is the same point as points[0]: road 'main' needs consecutive points at least 0.1 m apart",
    ]);
  });

  it('accepts a value object directly and reports the first problem only', () => {
    expect(() => scenarioFromValue({ name: 'x' }, 'inline')).toThrow(/duration|map/);
  });
});

describe('follow', () => {
  it('a car may follow a parked vehicle: it stays in the world and stops behind it', () => {
    const raw = tinyScenario({ duration: 6 });
    raw.map.objects = [{ id: 'V1', type: 'parked_van', position: [60, -1.75] }];
    raw.actors![0]!.behaviours = [{ type: 'follow', target: 'V1', gap: 4 }];
    const { world } = scenarioFromValue(raw, 'follow-parked');
    const c1 = world.agents.find((a) => a.id === 'C1');
    expect(c1, 'the follower was dropped from the world').toBeDefined();
    const end = agentStateAt(c1!, -1, 6)!;
    // Van 5.3 m long at x 60, car 4.5 m: the car's centre stops about gap + half lengths behind the van's.
    expect(end.speed).toBeLessThan(0.1);
    expect(end.x).toBeGreaterThan(60 - 2.65 - 4 - 2.25 - 1.5);
    expect(end.x).toBeLessThan(60 - 2.65 - 2.25);
  });

  it('the ego may follow a road user: it slows to keep its gap behind a slower car (it had driven through it)', () => {
    const raw = tinyScenario({ duration: 8 });
    // The ego at 10 m/s from x 20, a car at 4 m/s from x 40 in the same lane.
    raw.ego.speed = 10;
    raw.actors![0]!.speed = 4;
    raw.ego.behaviours = [{ type: 'follow', target: 'C1', gap: 6 }];
    const { world } = scenarioFromValue(raw, 'ego-follows');
    const c1 = world.agents.find((a) => a.id === 'C1')!;
    for (let t = 0; t <= 8; t += 0.5) {
      const gap =
        agentStateAt(c1, -1, t)!.x - egoStateAt(world, t).x - (c1.size[0] + world.scenario.ego.size[0]) / 2;
      expect(gap, `bumper to bumper at t = ${t} s`).toBeGreaterThan(3);
    }
    // Closed up to about its gap by the end, at the car's speed.
    const end =
      agentStateAt(c1, -1, 8)!.x - egoStateAt(world, 8).x - (c1.size[0] + world.scenario.ego.size[0]) / 2;
    expect(end).toBeLessThan(9);
    expect(Math.hypot(egoStateAt(world, 8).vx, egoStateAt(world, 8).vy)).toBeCloseTo(4, 0);
  });
});
