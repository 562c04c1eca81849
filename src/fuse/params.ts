/**
 * The fusion settings a user may change (`viper replay --params`): zod schemas of `MeasureConfig` and
 * `WorldTrackerConfig`, every field optional (it overrides the default) and checked for its range; unknown
 * fields are refused. The world frame is the stage's (`frameId` is not a parameter).
 */
import { z } from 'zod';
import { RANGE_CUES } from './measure.ts';

const nonNegative = z.number().finite().nonnegative();
const positive = z.number().finite().positive();

export const MeasureParams = z
  .strictObject({
    maxGroundRangeM: positive,
    sigmaVPx: positive,
    sigmaUPx: positive,
    pitchStdRad: nonNegative.max(Math.PI / 4),
    sidewalkHeightStdM: nonNegative,
    heightRelStd: nonNegative,
    rangeCue: z.enum(RANGE_CUES),
    minStdM: positive,
    edgeMarginPx: nonNegative,
    edgeMarginFrac: nonNegative.max(0.5),
  })
  .partial();
export type MeasureParams = z.infer<typeof MeasureParams>;

export const WorldTrackerParams = z
  .strictObject({
    gateChi2: positive,
    bindingGateChi2: positive,
    mergeGateChi2: nonNegative,
    accelStd: positive,
    initVelStd: positive,
    minHits: z.number().int().min(1),
    maxCoastS: nonNegative,
    minSpeedForYawMps: nonNegative,
    yawGain: nonNegative.max(1),
    classGate: z.enum(['strict', 'group', 'none']),
  })
  .partial();
export type WorldTrackerParams = z.infer<typeof WorldTrackerParams>;
