// Dev tool: draws the app icon (a blue tile with a white "D" over three IIS-like bars) and
// writes assets/icon.png (256x256) and assets/icon.ico (the same PNG inside an ICO container,
// which Windows Vista and later read). No image library needed.
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 256;
const px = Buffer.alloc(N * N * 4);
const set = (x, y, [r, g, b, a]) => { const i = (y * N + x) * 4; px[i] = r; px[i + 1] = g; px[i + 2] = b; px[i + 3] = a; };
const inRounded = (x, y, r = 40) => {
  const cx = x < r ? r : x >= N - r ? N - r - 1 : x;
  const cy = y < r ? r : y >= N - r ? N - r - 1 : y;
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
  if (!inRounded(x, y)) { set(x, y, [0, 0, 0, 0]); continue; }
  let c = [0x0f, 0x6c, 0xbd, 255];
  // the letter D: a vertical bar and a half ring
  const inBar = x >= 62 && x < 92 && y >= 48 && y < 178;
  const dx = x - 92, dy = y - 113;
  const rr = dx * dx + (dy * dy) * 0.95;
  const inBowl = x >= 92 && rr <= 66 * 66 && rr >= 38 * 38;
  const inCap = x >= 62 && x < 100 && ((y >= 48 && y < 76) || (y >= 150 && y < 178));
  if (inBar || inBowl || inCap) c = [255, 255, 255, 255];
  // three server bars at the bottom right
  for (let k = 0; k < 3; k++) if (x >= 168 && x < 214 && y >= 150 + k * 20 && y < 164 + k * 20) c = [0x9f, 0xd8, 0x9f, 255];
  set(x, y, c);
}
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => { const len = Buffer.alloc(4); len.writeUInt32BE(data.length); const td = Buffer.concat([Buffer.from(type), data]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([len, td, c]); };
const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
const raw = Buffer.alloc(N * (N * 4 + 1));
for (let y = 0; y < N; y++) { raw[y * (N * 4 + 1)] = 0; px.copy(raw, y * (N * 4 + 1) + 1, y * N * 4, (y + 1) * N * 4); }
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
const ico = Buffer.alloc(22);
ico.writeUInt16LE(0, 0); ico.writeUInt16LE(1, 2); ico.writeUInt16LE(1, 4);
ico[6] = 0; ico[7] = 0; ico[8] = 0; ico[9] = 0; ico.writeUInt16LE(1, 10); ico.writeUInt16LE(32, 12); ico.writeUInt32LE(png.length, 14); ico.writeUInt32LE(22, 18);
mkdirSync('assets', { recursive: true });
writeFileSync('assets/icon.png', png);
writeFileSync('assets/icon.ico', Buffer.concat([ico, png]));
console.log(`assets/icon.png ${png.length} bytes, assets/icon.ico ${png.length + 22} bytes`);
