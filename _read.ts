import { RecordingReader } from './src/io/index.ts';
const t = performance.now();
const r = await RecordingReader.open(process.argv[2]!);
let n = 0; for await (const m of r.messages()) n += m.data.length;
console.log('read ms', (performance.now() - t).toFixed(0), n >> 20, 'MB', r.summary().indexed);
