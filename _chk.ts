import { crc32 } from './src/io/mcap/crc32.ts';
const enc = new TextEncoder();
console.log(crc32(enc.encode('123456789')).toString(16), 'expect cbf43926');
console.log(crc32(enc.encode('The quick brown fox jumps over the lazy dog')).toString(16), 'expect 414fa339');
const d = new Uint8Array(4 << 20); for (let i = 0; i < d.length; i++) d[i] = (i * 31) & 0xff;
let t = performance.now(); for (let k = 0; k < 5; k++) crc32(d); console.log('crc 20MB ms', (performance.now() - t).toFixed(0));
