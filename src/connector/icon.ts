// The connector's icon (icon.png of the package): a 230 × 230 PNG drawn here — the brand colour with a white
// rising bar chart — so the package needs no binary file in the repository. PNG: signature, IHDR, one IDAT of
// filtered RGB rows (zlib), IEND, each chunk with its CRC-32.
import { crc32, deflateSync } from 'node:zlib';

/** The icon's background, also apiProperties.json's iconBrandColor. */
export const brandColor = '#1f6f8b';
const size = 230;

const chunk = (type: string, data: Buffer): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
};

/** Bars of the chart: left x, width, top y (they all end at y = 180). */
const bars = [
  [45, 34, 130],
  [98, 34, 95],
  [151, 34, 50],
] as const;

const isBar = (x: number, y: number): boolean =>
  bars.some(([left, w, top]) => x >= left && x < left + w && y >= top && y < 180);

export function iconPng(): Buffer {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(brandColor.slice(i, i + 2), 16)) as [number, number, number];
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    rows[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const white = isBar(x, y);
      rows.set(white ? [255, 255, 255] : [r, g, b], row + 1 + x * 3);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
