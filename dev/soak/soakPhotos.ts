// The soak's photos, made at run time and the same for the same seed: a flat colour per photo (distinct for every
// index, so every photo has its own content hash) with a seeded block, small enough that rendering costs little.

import sharp from 'sharp';
import { SeededRandom } from './SeededRandom';

export async function soakPhoto(seed: number, index: number, size = 320): Promise<Buffer> {
  const random = new SeededRandom(seed * 7919 + index);
  const background = { r: index % 256, g: Math.floor(index / 256) % 256, b: random.int(0, 255) };
  const block = await sharp({
    create: { width: size / 4, height: size / 4, channels: 3, background: { r: 255 - background.r, g: 128, b: 64 } },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: size, height: size, channels: 3, background } })
    .composite([{ input: block, left: random.int(0, (size * 3) / 4), top: random.int(0, (size * 3) / 4) }])
    .jpeg({ quality: 85 })
    .toBuffer();
}
