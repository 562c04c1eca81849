/** Live outputs: the Foxglove WebSocket server and the HTTP server behind `viper view`. */
export { LiveServer } from './LiveServer.ts';
export type { LiveEncoding, LiveServerOptions, LiveStats } from './LiveServer.ts';
export { defaultDistDir, parseRange, startViewServer } from './ViewServer.ts';
export type { ViewServer, ViewServerOptions } from './ViewServer.ts';
