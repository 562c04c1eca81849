export * from './quat.ts';
export { TransformTree } from './TransformTree.ts';
export * from './camera.ts';
export * from './box2d.ts';
export * from './box3d.ts';
export * from './ground.ts';
