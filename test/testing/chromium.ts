/** Debian's chromium for browser tests and benchmarks (DESIGN.md: software WebGL through SwiftShader). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless with WebGL on SwiftShader, and no background traffic (the machine has no network). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
