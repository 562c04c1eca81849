export * from './time.ts';
export * from './errors.ts';
export * from './classes.ts';
export * from './geometry.ts';
export * from './camera.ts';
export * from './perception.ts';
export * from './topics.ts';
export * from './stage.ts';
