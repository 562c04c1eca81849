/**
 * Viper's CLEAR, Identity, HOTA and Count against the values py-motmetrics and TrackEval compute for
 * MOTChallenge TUD-Campus (../shared/data/motmetrics), every field to 1e-3.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  clearMot,
  evaluateSequence,
  prepareSequence,
  HOTA_ALPHAS,
  motRowsToTrackRows,
  readMotChallenge,
  sequenceFromRows,
} from '../../src/eval/index.ts';
import { describeShared, shared } from '../shared.ts';

const TOL = 1e-3;

describeShared('TUD-Campus reference values', () => {
  const dir = shared('data', 'motmetrics');
  const expected = JSON.parse(readFileSync(`${dir}/expected-TUD-Campus.json`, 'utf8')) as {
    py_motmetrics: Record<string, number>;
    trackeval: Record<string, number>;
  };
  const gt = motRowsToTrackRows(readMotChallenge(readFileSync(`${dir}/TUD-Campus/gt.txt`, 'utf8')));
  const tr = motRowsToTrackRows(readMotChallenge(readFileSync(`${dir}/TUD-Campus/test.txt`, 'utf8')));
  const seq = prepareSequence(sequenceFromRows(gt, tr, { firstFrame: 1, lastFrame: 71 }));
  const m = evaluateSequence(seq);

  it('matches every TrackEval field (CLEAR, Identity, Count, HOTA scalars and per-α curves)', () => {
    const te = expected.trackeval;
    const flat: Record<string, number> = { ...m.CLEAR, ...m.Identity, ...m.Count };
    for (const k of ['HOTA(0)', 'LocA(0)', 'HOTALocA(0)'] as const) flat[k] = m.HOTA[k];
    for (const [field, curve] of Object.entries(m.HOTA.curves)) {
      curve.forEach((v, a) => {
        flat[`${field}___${Math.round(HOTA_ALPHAS[a]! * 100)}`] = v;
      });
      flat[`${field}___AUC`] = m.HOTA[field as keyof typeof m.HOTA.curves];
    }
    const keys = Object.keys(te);
    expect(keys.length).toBeGreaterThan(250);
    for (const k of keys) {
      expect(flat[k], k).toBeDefined();
      expect(Math.abs(flat[k]! - te[k]!), `${k}: viper ${flat[k]} vs trackeval ${te[k]}`).toBeLessThanOrEqual(
        TOL,
      );
    }
  });

  it.each(['trackeval', 'motmetrics'] as const)(
    '%s convention matches every py-motmetrics field (MOTP as 1 − MOTP)',
    (convention) => {
      const pm = expected.py_motmetrics;
      const c = clearMot(seq, { convention });
      const ours: Record<string, number> = {
        idf1: m.Identity.IDF1,
        idp: m.Identity.IDP,
        idr: m.Identity.IDR,
        recall: c.CLR_Re,
        precision: c.CLR_Pr,
        num_unique_objects: m.Count.GT_IDs,
        mostly_tracked: c.MT,
        partially_tracked: c.PT,
        mostly_lost: c.ML,
        num_false_positives: c.CLR_FP,
        num_misses: c.CLR_FN,
        num_switches: c.IDSW,
        num_fragmentations: c.Frag,
        mota: c.MOTA,
        motp_distance_1_minus_iou: 1 - c.MOTP,
      };
      for (const k of Object.keys(pm)) {
        expect(ours[k], k).toBeDefined();
        expect(
          Math.abs(ours[k]! - pm[k]!),
          `${k}: viper ${ours[k]} vs py-motmetrics ${pm[k]}`,
        ).toBeLessThanOrEqual(TOL);
      }
    },
  );
});
