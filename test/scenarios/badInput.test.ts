/**
 * Bad input to `viper scenarios`: one clear line on stderr and exit code 2 each — scenario arguments that
 * match nothing, an `expect` naming an unknown metric or actor, results without ground truth, and results
 * scored against a recording they were not replayed from. Runs that render scenarios (in the suite's worker
 * processes, which write to the terminal themselves) and a first refusal run the real `bin/viper.js`; refusals
 * before anything runs, and `scenarios score`, the CLI's entry point in-process (`viperInProcess`).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODEL, buildStages } from '../../src/graph/buildStages.ts';
import { replay } from '../../src/graph/replay.ts';
import { recordScenario } from '../../src/sim/record.ts';
import { scenarioFromValue } from '../../src/sim/scenario/load.ts';
import type { ScenarioInput } from '../../src/sim/scenario/schema.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { copyRecording, writeRigRecording } from '../testing/recordings.ts';
import { tinyScenario } from '../sim/testing.ts';

let dir: string;
const expectBlock = {
  metrics: [{ metric: 'MOTA', min: 0 }],
  events: [{ type: 'no_id_switch', actor: 'C1' }],
};

async function scenarioFile(name: string, over: Partial<ScenarioInput>): Promise<string> {
  const p = join(dir, `${name}.json`);
  await writeFile(p, JSON.stringify(tinyScenario({ name, ...over })));
  return p;
}

/** The CLI's stderr, asserted to be exactly one line. */
function oneLine(r: { code: number | null; stderr: string }): string {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'viper-scenarios-bad-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('viper scenarios: bad input', () => {
  it('a scenario argument that matches nothing', () => {
    const line = oneLine(viper(['scenarios', 'run', 'no_such_scenario', '-o', join(dir, 'out')]));
    expect(line).toMatch(/^error: config: no scenario file matches 'no_such_scenario'/);
  });

  it('two files of one scenario name (their outputs would be one file), before anything runs', async () => {
    const a = await scenarioFile('twin', {});
    const b = join(dir, 'twin-copy.json');
    await writeFile(b, JSON.stringify(tinyScenario({ name: 'twin' })));
    const out = join(dir, 'twin-out');
    const line = oneLine(await viperInProcess(['scenarios', 'run', a, b, '-o', out]));
    expect(line).toMatch(
      /^error: scenario: two scenarios are named 'twin': .*twin-copy\.json and .*twin\.json/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('an expect naming an unknown metric, and one naming an unknown actor, before anything runs', async () => {
    const metric = await scenarioFile('bad_metric', {
      expect: { metrics: [{ metric: 'MOTAX' as 'MOTA', min: 0.5 }], events: [] },
    });
    const actor = await scenarioFile('bad_actor', {
      expect: { metrics: [], events: [{ type: 'tracked_within', actor: 'P9', seconds: 1, minVisible: 0.5 }] },
    });
    const m = oneLine(await viperInProcess(['scenarios', 'run', metric, '-o', join(dir, 'out')]));
    expect(m).toMatch(/^error: scenario: .*metric.*MOTAX|^error: scenario: .*MOTAX/);
    const a = oneLine(await viperInProcess(['scenarios', 'run', actor, '-o', join(dir, 'out')]));
    expect(a).toMatch(/^error: scenario: .*'P9'/);
  });

  it('--quick: an event on an actor in view only at full resolution says so and what to do', async () => {
    // C1 drives 20 m ahead: ~9 px tall at 160×90, under the 8 px scored at --quick's 80×45.
    const over: Partial<ScenarioInput> = {
      rig: { preset: 'nuscenes6', width: 160, height: 90 },
      expect: { metrics: [], events: [{ type: 'no_id_switch', actor: 'C1', camera: 'cam_front' }] },
    };
    const f = await scenarioFile('quick_far', over);
    expect(() => scenarioFromValue(tinyScenario(over), f)).not.toThrow();
    const r = await viperInProcess([
      'scenarios',
      'run',
      f,
      '--quick',
      '-o',
      join(dir, 'quick-out'),
      '--json',
    ]);
    expect(r.code).toBe(2);
    const line = r.stdout + r.stderr;
    expect(line).toMatch(
      /'C1' is never in the view of camera cam_front at least 8 px tall .*, at --quick's half resolution \(at full resolution it is in view\)/,
    );
    expect(line).toContain('run this scenario without --quick');
  });

  it('a bad file among good ones is its own ERROR: the others run and the reports say so (exit 2)', async () => {
    const good = await scenarioFile('fine', { expect: expectBlock as ScenarioInput['expect'] });
    const bad = await scenarioFile('typo', {
      expect: { metrics: [], events: [{ type: 'tracked_within', actor: 'P9', seconds: 1, minVisible: 0.5 }] },
    });
    const out = join(dir, 'mixed-out');
    const r = viper(['scenarios', 'run', good, bad, '-o', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/ERROR\s+typo: scenario: .*'P9'/);
    expect(existsSync(join(out, 'fine', 'results.mcap'))).toBe(true);
    // The whole run had been refused, leaving no report (or the previous run's) for CI to publish.
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/tests="\d+" failures="0" errors="1"/);
    expect(junit).toContain('typo');
    // A bad file named like a scenario that loaded is told apart by its path (reports are keyed by name).
    const sub = join(dir, 'sub');
    await mkdir(sub, { recursive: true });
    const namesake = join(sub, 'fine.json');
    await writeFile(namesake, '{ "name": ');
    const both = viper([
      'scenarios',
      'run',
      good,
      namesake,
      '-o',
      join(dir, 'namesake-out'),
      '--no-progress',
    ]);
    expect(both.code).toBe(2);
    expect(both.stdout).toContain(`fine (${namesake})`);
    // None loads: the first file's error is the run's.
    const first = join(dir, 'first.json');
    await writeFile(first, '{');
    const r2 = await viperInProcess(['scenarios', 'run', first, bad, '-o', join(dir, 'none-out')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('first.json');
  });

  it('a golden file missing from the --golden-dir named fails the run (it had passed, the comparison skipped)', async () => {
    const scenario = await scenarioFile('golden_less', { expect: expectBlock as ScenarioInput['expect'] });
    const gold = join(dir, 'empty-golden');
    await mkdir(gold, { recursive: true });
    const out = join(dir, 'golden-less-out');
    const r = viper(['scenarios', 'run', scenario, '--golden-dir', gold, '-o', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /FAIL golden_less: golden .*golden_less\.json: missing — write it with --update-golden/,
    );
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/name="golden"><failure message="golden .*missing/);
    // Written, the next run compares with it and passes.
    expect(
      viper(['scenarios', 'run', scenario, '--golden-dir', gold, '-o', out, '--update-golden']).code,
    ).toBe(0);
    expect(viper(['scenarios', 'run', scenario, '--golden-dir', gold, '-o', out]).code).toBe(0);
  });

  it('--tiles with the oracle detector, or with --update-golden: one line before any scenario is rendered', async () => {
    const scenario = await scenarioFile('tiny_tiles', {});
    const out = join(dir, 'tiles-out');
    for (const extra of [[], ['--detector', 'model', '--update-golden', '--golden-dir', join(dir, 'g')]]) {
      const line = oneLine(
        await viperInProcess(['scenarios', 'run', scenario, '--tiles', '2x1', ...extra, '-o', out]),
      );
      expect(line).toMatch(/^error: config: --tiles goes with --detector model and without --update-golden/);
    }
    expect(
      oneLine(await viperInProcess(['scenarios', 'run', scenario, '--tiles', '9x9', '-o', out])),
    ).toMatch(/--tiles/);
    expect(existsSync(out)).toBe(false);
  });

  it('a model card that is missing, or names a missing .onnx: one line before any scenario is rendered', async () => {
    const out = join(dir, 'model-out');
    const scenario = await scenarioFile('tiny_model', { expect: expectBlock as ScenarioInput['expect'] });
    const missing = oneLine(
      await viperInProcess([
        'scenarios',
        'run',
        scenario,
        '--detector',
        'model',
        '--model',
        join(dir, 'nope.json'),
        '-o',
        out,
      ]),
    );
    expect(missing).toMatch(/^error: model: model card not found \(.*nope\.json\) — check the path/);
    const card = join(dir, 'orphan.card.json');
    await writeFile(
      card,
      JSON.stringify({ ...JSON.parse(await readFile(BUNDLED_MODEL, 'utf8')), model: 'gone.onnx' }),
    );
    const orphan = oneLine(
      await viperInProcess(['scenarios', 'run', scenario, '--detector', 'model', '--model', card, '-o', out]),
    );
    expect(orphan).toMatch(/^error: model: model file not found \(.*gone\.onnx\)/);
    // Nothing simulated, nothing written.
    expect(existsSync(out)).toBe(false);
  });

  it('results without ground truth, and results scored against another recording', async () => {
    const scenario = await scenarioFile('tiny', { expect: expectBlock as ScenarioInput['expect'] });
    const noGt = join(dir, 'rig.mcap');
    await writeRigRecording(noGt, { cameras: ['cam_front'], frames: 3 });
    // A recording never replayed: nothing to score (it would fail every check as if nothing had been tracked).
    expect(oneLine(await viperInProcess(['scenarios', 'score', noGt, '--scenario', scenario]))).toMatch(
      /^error: input: nothing to score: .*replay it first/,
    );
    // A folder of scenarios: which one's checks is not guessed (the first file had been taken unsaid).
    expect(oneLine(await viperInProcess(['scenarios', 'score', noGt, '--scenario', 'scenarios']))).toMatch(
      /^error: config: --scenario names 10 scenario files \(camera_dropout\.yaml, .*\) \(scenarios\) — give the one file/,
    );

    // Two tiny recordings that differ only in their seed (same stamps), and a replay of the first.
    const a = join(dir, 'a.mcap');
    const b = join(dir, 'b.mcap');
    await recordScenario(scenarioFromValue(tinyScenario({ seed: 3 }), 'a').world, a);
    await recordScenario(
      scenarioFromValue(tinyScenario({ seed: 4, actors: tinyScenario().actors!.slice(0, 1) }), 'b').world,
      b,
    );
    const out = join(dir, 'a.out.mcap');
    const { stages } = await buildStages({ detector: 'oracle', tracker: 'bytetrack' }, a);
    await replay({ input: a, output: out, stages });
    const n = oneLine(
      await viperInProcess(['scenarios', 'score', out, '--scenario', scenario, '--gt', noGt]),
    );
    expect(n).toMatch(/^error: recording: no \/ground_truth\/objects topic/);
    expect(n).toContain('--gt <recording.mcap>');
    const ok = await viperInProcess(['scenarios', 'score', out, '--scenario', scenario, '--gt', a]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/no_id_switch C1 \(world id\)/);
    const mismatch = oneLine(
      await viperInProcess(['scenarios', 'score', out, '--scenario', scenario, '--gt', b]),
    );
    expect(mismatch).toMatch(
      /^error: recording: results were replayed from another recording: their ground truth differs from this one at \d+ of \d+ stamps/,
    );

    // The ground truth written twice at one stamp: refused (the second had replaced the first unseen).
    const twice = join(dir, 'a.twice.mcap');
    await copyRecording(
      a,
      twice,
      1 << 20,
      () => true,
      (topic) => topic === '/ground_truth/objects',
    );
    expect(
      oneLine(await viperInProcess(['scenarios', 'score', out, '--scenario', scenario, '--gt', twice])),
    ).toMatch(
      /^error: recording: two \/ground_truth\/objects messages at the same log time \(.*a\.twice\.mcap @ \d+\)/,
    );
  }, 120_000);
});
