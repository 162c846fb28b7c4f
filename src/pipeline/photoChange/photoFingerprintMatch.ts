// Whether two photo fingerprints (src/imaging/photoFingerprint.ts: 16×16 sRGB pixels, base64) show the same picture.
// Measured with sharp: our 648 rendition against Exchange's re-encoded copy (another JPEG quality, 4:2:0) differ by
// about 1 level on average; different photos by tens. A tolerance of 6 levels (of 255) keeps re-encodings together
// and a person's new photo apart. The price: a new photo that is nearly the same picture as the one we wrote (the
// same portrait re-saved) counts as ours and is not propagated, which is also what it looks like.

export type PhotoFingerprint = string;

export const FINGERPRINT_TOLERANCE = 6;

export function fingerprintsMatch(
  a: PhotoFingerprint,
  b: PhotoFingerprint,
  tolerance: number = FINGERPRINT_TOLERANCE,
): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  if (x.length !== y.length || x.length === 0) return false;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return sum / x.length <= tolerance;
}
