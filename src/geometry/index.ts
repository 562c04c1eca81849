export * from './quat.ts';
export * from './angle.ts';
export { TransformTree } from './TransformTree.ts';
export * from './camera.ts';
export * from './box2d.ts';
export * from './box3d.ts';
export * from './ground.ts';
