const m = await import('./bench/track.bench.ts');
await m.run();
