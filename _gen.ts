import { RecordingWriter } from './src/io/index.ts';
const path = '/tmp/iochk/big.mcap';
const w = await RecordingWriter.create(path);
const id = await w.addChannel('/cam/image', { kind: 'foxglove', name: 'CompressedImage' });
let x = 2463534242;
const t = performance.now();
for (let f = 0; f < 500; f++) {
  const u = new Uint32Array(51200); for (let i = 0; i < u.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; u[i] = x >>> 0; }
  await w.writeObject(id, BigInt(f) * 1000n, { frame_id: 'c', format: 'jpeg', data: new Uint8Array(u.buffer) });
}
await w.close();
console.log('write ms', (performance.now() - t).toFixed(0));
