// What a photo looks like, in 768 bytes: the decoded image reduced to 16×16 sRGB pixels. Two encodings of one picture
// (our 648 rendition and Exchange's re-encoded copy of it, at another quality or size) give fingerprints a few levels
// apart; two different photos, tens of levels. Why not a hash of the bytes: Exchange re-encodes what we write, so the
// bytes never match. Why not a 64-bit perceptual hash (dHash, pHash): they read gradients only, so every plain or
// evenly lit picture (placeholders, test images) hashes alike; colour matters for a profile photo.

import sharp from 'sharp';
import type { PhotoFingerprint } from '../pipeline/photoChange/photoFingerprintMatch';

const SIDE = 16;
const SHARP_TIMEOUT_SECONDS = 10;

export async function photoFingerprint(bytes: Buffer): Promise<PhotoFingerprint> {
  const pixels = await sharp(bytes, { failOn: 'warning', limitInputPixels: 50_000_000 })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .autoOrient()
    .resize(SIDE, SIDE, { fit: 'cover', position: 'centre', kernel: 'cubic' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  return pixels.toString('base64');
}
