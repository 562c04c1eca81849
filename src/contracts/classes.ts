import { z } from 'zod';

/** The road-user classes Viper detects, tracks and scores. Model cards map their own labels onto these. */
export const VIPER_CLASSES = ['car', 'truck', 'bus', 'pedestrian', 'cyclist', 'motorcycle'] as const;
export const ViperClass = z.enum(VIPER_CLASSES);
export type ViperClass = z.infer<typeof ViperClass>;
