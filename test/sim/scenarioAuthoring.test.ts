/**
 * Mistakes a person makes writing a scenario of their own: each is refused when the file is loaded (before
 * anything renders), in one line that names the field and the fix, rather than passing `--check` and failing
 * (or passing vacuously) in the run.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ScenarioError } from '../../src/contracts/errors.ts';
import { scenarioFromText } from '../../src/sim/scenario/load.ts';
import { tinyScenario } from './testing.ts';

// biome-ignore lint/suspicious/noExplicitAny: mutations reach into arbitrary nested fields of a scenario
type Loose = Record<string, any>;
const mutate = (m: (s: Loose) => void): Loose => {
  const s = structuredClone(tinyScenario()) as Loose;
  m(s);
  return s;
};

/** The ScenarioError a scenario (value or YAML text) is refused with; fails the test when it loads. */
function refusal(s: Loose | string): { message: string; hint: string } {
  try {
    scenarioFromText(typeof s === 'string' ? s : stringify(s), 'mine.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    const err = e as ScenarioError;
    expect(err.message).not.toContain('\n');
    return { message: err.message, hint: err.hint ?? '' };
  }
  throw new Error('the scenario loaded');
}

const loads = (s: Loose) => expect(() => scenarioFromText(stringify(s), 'mine.yaml')).not.toThrow();

/** A second road 900 m north of the first: an actor on it is in no camera's view (sub-pixel at best). */
const farRoad = (s: Loose) => {
  s.map.roads.push({
    id: 'far',
    points: [
      [0, 900],
      [200, 900],
    ],
  });
  s.actors.push({
    id: 'G1',
    class: 'car',
    route: [
      { road: 'far', at: 20, lane: 1 },
      { road: 'far', at: 190, lane: 1 },
    ],
    speed: 5,
  });
};

describe('field names', () => {
  it("a field of another event type is not 'did you mean' itself: the hint lists this type's fields", () => {
    const r = refusal(
      mutate((s) => (s.expect = { events: [{ type: 'not_detected', actor: 'C1', camera: 'cam_front' }] })),
    );
    expect(r.message).toContain("expect.events[0]: unknown field 'camera'");
    expect(r.hint).not.toContain("did you mean 'camera'");
    expect(r.hint).toContain('the fields of a not_detected are actor, maxFrames, type');
  });

  it('an unknown field with no near name lists the fields of its place', () => {
    const r = refusal(mutate((s) => (s.fps = 10)));
    expect(r.message).toContain("(top level): unknown field 'fps'");
    expect(r.hint).toMatch(/the fields are actors, .*duration, .*rate, /);
    const m = refusal(mutate((s) => (s.expect = { metrics: [{ metric: 'IDF1', minimum: 0.7 }] })));
    expect(m.hint).toContain('the fields are camera, class, max, metric, min');
  });

  it('an event without a type says the type is missing (not "unknown type nothing")', () => {
    const r = refusal(mutate((s) => (s.expect = { events: [{ actor: 'C1', seconds: 0.5 }] })));
    expect(r.message).toContain('expect.events[0].type: missing type');
    expect(r.hint).toMatch(/add type: one of tracked_within, no_id_switch/);
  });
});

describe('shapes and units', () => {
  it('a route written as flat numbers, a 3D point, {x, y} or one mapping says what a waypoint is', () => {
    const cases: [(s: Loose) => void, string][] = [
      [
        (s) => (s.actors[0].route = [40, -1.75, 190, -1.75]),
        'actors[0].route[0]: expected a waypoint, got number 40',
      ],
      [
        (s) =>
          (s.actors[0].route = [
            [40, -1.75, 0],
            [190, -1.75, 0],
          ]),
        'actors[0].route[0]: a point is [x, y] (two numbers, metres), got [40,-1.75,0]',
      ],
      [
        (s) =>
          (s.actors[0].route = [
            { x: 40, y: -1.75 },
            { x: 190, y: -1.75 },
          ]),
        "actors[0].route[0]: unknown field 'x' in a waypoint",
      ],
      [
        (s) => (s.actors[0].route = { road: 'main', at: 40, lane: 1 }),
        'actors[0].route: expected a list of waypoints, got a mapping',
      ],
    ];
    for (const [m, msg] of cases) {
      const r = refusal(mutate(m));
      expect(r.message).toContain(msg);
      expect(r.message + r.hint).not.toMatch(/tuple|did you mean/);
      expect(r.hint).toContain('each [x, y] in metres or { road: main, at: 20, lane: 1 }');
    }
  });

  it("zod's type names are written as YAML words: a list, a mapping", () => {
    expect(refusal(mutate((s) => (s.lighting = 'night'))).message).toContain(
      "lighting: expected a mapping, got string 'night'",
    );
    expect(refusal(mutate((s) => (s.actors[0].speed = [0, 5, 1, 0]))).message).toContain(
      'actors[0].speed[0]: expected a list, got number 0',
    );
  });

  it("two scenarios in one file ('---') are named as such, not in the YAML library's words", () => {
    const r = refusal(`${stringify(mutate(() => {}))}---\nname: second\n`);
    expect(r.message).toMatch(/more than one YAML document \(a second '---' at line \d+/);
    expect(r.message).not.toMatch(/parseAllDocuments/);
    expect(r.hint).toBe('a scenario file is one document: one scenario per file');
  });

  // The yaml library reports an unclosed bracket or quote where the text ends, far from the mistake.
  it('an unclosed bracket or quote is placed where it was opened', () => {
    const bracket = 'name: x\nduration: 5\nmap: {roads: [\n  {id: a, points: [[0, 0], [10, 0]]}\n';
    expect(refusal(bracket).message).toMatch(/at line 5, column 1: .*\(the \[ opened at line 3, column 14\)/);
    const inner = 'name: x\nmap: {roads: [{id: a, points: [[0, 0], [10, 0]}]\nduration: 3\n';
    expect(refusal(inner).message).toContain('(the [ opened at line 2, column 31)');
    // Quotes: an apostrophe inside a word is not one, a '#' inside quotes is no comment.
    const quote = 'name: it\'s mine\ndescription: "a # b"\nmore: "open\nduration: 5\n';
    expect(refusal(quote).message).toContain('(the " opened at line 3, column 7)');
    // Errors that are not about an unclosed bracket or quote say nothing of one.
    expect(refusal('name: x\nmap:\n\troads: []\n').message).not.toContain('opened at');
  });

  // The yaml library points an indentation error at the start of its line: every one had read "column 1".
  it('an item indented too far or too little is placed at its own line and column', () => {
    const head =
      'name: x\nduration: 5\nmap:\n  roads:\n    - { id: main, points: [[0, 0], [200, 0]] }\nego:\n';
    const far = `${head}  route: [{ road: main, at: 10, lane: 1 }]\n   speed: 3\n`;
    expect(refusal(far).message).toContain(
      'at line 8, column 4: All mapping items must start at the same column',
    );
    expect(refusal(far.replaceAll('\n', '\r\n')).message).toContain('at line 8, column 4');
    const short = `${head}    route: [{ road: main, at: 10, lane: 1 }]\n  speed: 3\n`;
    expect(refusal(short).message).toContain('at line 8, column 3');
    const item = 'name: x\nmap:\n  roads:\n    - id: main\n      points: [[0, 0], [200, 0]]\n     lanes: 2\n';
    expect(refusal(item).message).toContain('at line 6, column 6');
    // A tab in the indentation is the mistake itself: it keeps its own column.
    expect(refusal('name: x\nmap:\n\troads: []\n').message).toContain('at line 3, column 1: Tabs');
  });

  // A bound broken had been told as a bare number: 'use a value at most 90' for an elevation in degrees.
  const BOUNDS: [string, (s: Loose) => void, string][] = [
    [
      'lighting.sunElevation: 95 is too big',
      (s) => (s.lighting = { sunElevation: 95 }),
      'use a value at most 90 (degrees above the horizon, e.g. sunElevation: 45)',
    ],
    [
      'lighting.sunElevation: 0 is too small',
      (s) => (s.lighting = { sunElevation: 0 }),
      'at least 1 (degrees',
    ],
    ['sensor.noise: 50 is too big', (s) => (s.sensor = { noise: 50 }), '(standard deviation in 8-bit levels'],
    ['sensor.exposure: 5 is too big', (s) => (s.sensor = { exposure: 5 }), '(stops of exposure compensation'],
    ['map.roads[0].laneWidth: 10 is too big', (s) => (s.map.roads[0].laneWidth = 10), 'at most 6 (metres'],
    // A crossing's width is metres (it had been told "pixels", a camera's width).
    [
      'map.crossings[0].width: 20 is too big',
      (s) => (s.map.crossings = [{ road: 'main', at: 50, width: 20 }]),
      'at most 10 (metres across the road',
    ],
    [
      'ego.behaviours[0].radius: 0 is too small',
      (s) => (s.ego.behaviours = [{ type: 'turn', radius: 0 }]),
      'more than 0 (metres, e.g. radius: 8)',
    ],
    [
      'ego.behaviours[0].at: -1 is too small',
      (s) => (s.ego.behaviours = [{ type: 'stop', at: -1 }]),
      'at least 0 (seconds from the start of the scenario',
    ],
    ['actors[0].speed: 80 is too big', (s) => (s.actors[0].speed = 80), 'at most 70 (m/s'],
  ];
  it.each(BOUNDS)('%s: the hint names the unit', (what, m, hint) => {
    const r = refusal(mutate(m));
    expect(r.message).toContain(what);
    expect(r.hint).toContain(hint);
  });

  it('a fraction metric bounded by a percentage is refused, with the fraction to write', () => {
    const r = refusal(mutate((s) => (s.expect = { metrics: [{ metric: 'IDF1', min: 70 }] })));
    expect(r.message).toContain(
      'expect.metrics[0].min: IDF1 is a fraction from 0 to 1, so min: 70 can never pass',
    );
    expect(r.hint).toContain('min: 0.7');
    expect(refusal(mutate((s) => (s.expect = { metrics: [{ metric: 'MOTA', max: 95 }] }))).message).toContain(
      'max: 95 always passes',
    );
    // Counts are not fractions.
    loads(mutate((s) => (s.expect = { metrics: [{ metric: 'FN', max: 70 }] })));
  });

  it('a metric expectation without a bound, or with min above max, says how to write one', () => {
    expect(refusal(mutate((s) => (s.expect = { metrics: [{ metric: 'IDF1' }] }))).hint).toContain(
      '{ metric: IDF1, min: 0.9 }',
    );
    expect(
      refusal(mutate((s) => (s.expect = { metrics: [{ metric: 'IDSW', min: 3, max: 1 }] }))).hint,
    ).toContain('swap them');
  });

  it('minFraction written as a percentage names the unit', () => {
    const r = refusal(
      mutate((s) => (s.expect = { events: [{ type: 'single_world_id', actor: 'C1', minFraction: 80 }] })),
    );
    expect(r.hint).toContain('a fraction from 0 to 1');
  });

  it('hfov in radians is refused (it would be a 1° telescope)', () => {
    const r = refusal(mutate((s) => (s.rig.cameras[0].hfov = 1.2)));
    expect(r.message).toContain('rig.cameras[0].hfov: field of view 1.2° looks like radians (68.8°)');
    expect(r.hint).toContain('hfov: 69');
  });

  it('a waypoint with both lane and side is refused (the side silently won)', () => {
    const r = refusal(
      mutate((s) => (s.actors[0].route[0] = { road: 'main', at: 40, lane: 1, side: 'right' })),
    );
    expect(r.message).toContain("actors[0].route[0]: gives both lane 1 and side 'right'");
    expect(r.hint).toContain('keep one');
  });
});

describe('expectations no run can meet', () => {
  it('a metric scoped to a class no actor has is refused (the run says "not measured" and fails)', () => {
    const r = refusal(mutate((s) => (s.expect = { metrics: [{ metric: 'IDF1', min: 0.5, class: 'bus' }] })));
    expect(r.message).toContain('expect.metrics[0].class: no actor or parked vehicle is a bus');
    expect(r.hint).toContain('classes in this scenario are car, pedestrian');
    loads(mutate((s) => (s.expect = { metrics: [{ metric: 'IDF1', min: 0.5, class: 'pedestrian' }] })));
  });

  it('AP on world objects is refused (it is never measured there)', () => {
    const r = refusal(
      mutate((s) => (s.expect = { metrics: [{ metric: 'AP50', min: 0.5, camera: 'world' }] })),
    );
    expect(r.message).toContain('expect.metrics[0].metric: AP50 is not measured on world objects');
    loads(mutate((s) => (s.expect = { metrics: [{ metric: 'IDF1', min: 0.5, camera: 'world' }] })));
  });

  it('a scenario without actors may check false positives only (MOTA and the rest read 0)', () => {
    const empty = (metric: string, bound: Loose) =>
      mutate((s) => {
        s.actors = [];
        s.expect = { metrics: [{ metric, ...bound }] };
      });
    expect(refusal(empty('MOTA', { min: 0.5 })).message).toContain(
      'the scenario has no actors or parked vehicles, so MOTA has no ground truth to score',
    );
    loads(empty('FP', { max: 5 }));
  });

  it('an event on an actor no camera ever sees is refused; not_detected on it would pass vacuously', () => {
    const never = refusal(
      mutate((s) => {
        farRoad(s);
        s.expect = { events: [{ type: 'tracked_within', actor: 'G1', seconds: 0.5 }] };
      }),
    );
    expect(never.message).toContain("expect.events[0].actor: 'G1' is never in the view of any camera");
    expect(never.message).toContain('can never pass');
    const vacuous = refusal(
      mutate((s) => {
        farRoad(s);
        s.expect = { events: [{ type: 'not_detected', actor: 'G1' }] };
      }),
    );
    expect(vacuous.message).toContain('passes whatever the detector does');
  });

  it('an event scoped to a camera that never sees the actor names the cameras that do', () => {
    const r = refusal(
      mutate((s) => (s.expect = { events: [{ type: 'no_id_switch', actor: 'C1', camera: 'cam_back' }] })),
    );
    expect(r.message).toContain("'C1' is never in the view of camera cam_back");
    expect(r.hint).toContain('it is in view of cam_front');
    loads(
      mutate((s) => (s.expect = { events: [{ type: 'no_id_switch', actor: 'C1', camera: 'cam_front' }] })),
    );
  });

  it('a metric of one camera that never sees an actor is refused (it was "not measured" at the end of a run)', () => {
    const r = refusal(
      mutate(
        (s) => (s.expect = { metrics: [{ metric: 'IDF1', min: 0.5, camera: 'cam_back', class: 'car' }] }),
      ),
    );
    expect(r.message).toContain('expect.metrics[0].camera: no car is ever in the view of camera cam_back');
    loads(mutate((s) => (s.expect = { metrics: [{ metric: 'IDF1', min: 0.5, camera: 'cam_front' }] })));
    // FP counts the detector's mistakes, which a camera facing an empty road can make.
    loads(mutate((s) => (s.expect = { metrics: [{ metric: 'FP', max: 3, camera: 'cam_back' }] })));
  });

  it('a metric of a class no camera ever sees is refused, over the cameras and on world objects', () => {
    const busOnly = (camera?: string) =>
      mutate((s) => {
        farRoad(s);
        s.actors.at(-1).class = 'bus';
        s.expect = { metrics: [{ metric: 'IDF1', min: 0.5, class: 'bus', ...(camera ? { camera } : {}) }] };
      });
    const r = refusal(busOnly());
    expect(r.message).toContain(
      'expect.metrics[0].class: no bus is ever in the view of any camera at least 8 px tall',
    );
    expect(r.message).toContain('is never measured and the check fails');
    expect(refusal(busOnly('world')).message).toContain(
      'IDF1 of class bus on world objects is never measured',
    );
    loads(
      mutate((s) => (s.expect = { metrics: [{ metric: 'IDF1', min: 0.5, class: 'car', camera: 'world' }] })),
    );
    // On world objects without a class: every actor out of view (the message had read "no undefined").
    const world = refusal(
      mutate((s) => {
        s.actors = [];
        farRoad(s);
        s.expect = { metrics: [{ metric: 'IDF1', min: 0.5, camera: 'world' }] };
      }),
    );
    expect(world.message).toContain(
      'expect.metrics[0].camera: no actor is ever in the view of any camera at least 8 px tall (every frame checked, occlusion ignored), so IDF1 on world objects is never measured',
    );
  });

  it('an actor under the 8 px the suite scores from is not in view (a 7.5 px pedestrian had passed at 4 px)', () => {
    const far = (at: number) =>
      mutate((s) => {
        s.actors[1].route = [{ road: 'main', at, side: 'right' }];
        s.actors[1].speed = 0; // standing: a one-point route moves nowhere
        s.expect = { events: [{ type: 'no_id_switch', actor: 'P1', camera: 'cam_front' }] };
      });
    // cam_front: 160 px wide at 70°, fx ≈ 114 px; a 1.75 m pedestrian ≈ 200 / d px tall.
    loads(far(40));
    expect(refusal(far(60)).message).toContain(
      "'P1' is never in the view of camera cam_front at least 8 px tall",
    );
    // A run scoring from 4 px (scenarios run --min-height 4) takes the ~5 px pedestrian.
    expect(() => scenarioFromText(stringify(far(60)), 'mine.yaml', { minViewPx: 4 })).not.toThrow();
  });

  it('an actor in view only while its camera drops out is never seen', () => {
    const r = refusal(
      mutate((s) => {
        s.dropouts = [{ camera: 'cam_front', start: 0, end: 5 }];
        s.expect = { events: [{ type: 'tracked_within', actor: 'C1', seconds: 0.5 }] };
      }),
    );
    expect(r.message).toContain("'C1' is never in the view of any camera");
  });

  it('an actor hidden behind a parked van is in view (occlusion is the point of not_detected)', () => {
    loads(
      mutate((s) => {
        // At 320×180 the pedestrian is ~12 px tall, above the 8 px the suite scores from (~6 px at 160×90).
        s.rig.width = 320;
        s.rig.height = 180;
        s.map.objects = [{ id: 'V1', type: 'parked_van', position: [50, -2.6] }];
        s.actors[1].route = [[52, -5.5]];
        s.actors[1].speed = 0;
        s.expect = { events: [{ type: 'not_detected', actor: 'P1' }] };
      }),
    );
  });

  it('an actor at the edge of a barrel lens is in view (the lens shows more than its pinhole)', () => {
    // Rendered at x 0–32 px of cam_w, wholly visible; a pinhole projection puts it beyond the image.
    expect(() =>
      scenarioFromText(
        `name: wide
duration: 1
map:
  roads:
    - { id: main, points: [[0, 0], [300, 0]], lanes: 2, sidewalk: 3 }
  scenery: none
ego:
  route: [{ road: main, at: 20, lane: 1 }, { road: main, at: 280, lane: 1 }]
  speed: 0
actors:
  - { id: P1, class: pedestrian, route: [[23.9, 5.0]], heading: 0 }
rig:
  cameras:
    - { id: cam_w, hfov: 90, position: [0, 0, 1.5], distortion: [-0.3, 0.05, 0, 0, 0] }
expect:
  events:
    - { type: not_detected, actor: P1 }
`,
        'wide.yaml',
      ),
    ).not.toThrow();
  });
});
