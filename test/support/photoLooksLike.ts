// Whether two photos show the same picture, whatever their encoding: Exchange (and the emulator, by default) stores a
// re-encoded copy of what we write, so tests compare what a photo looks like, with the pipeline's own fingerprint.

import { photoFingerprint } from '../../src/imaging/photoFingerprint';
import { fingerprintsMatch } from '../../src/pipeline/photoChange/photoFingerprintMatch';

export async function photoLooksLike(actual: Buffer | undefined, expected: Buffer): Promise<boolean> {
  if (!actual) return false;
  return fingerprintsMatch(await photoFingerprint(actual), await photoFingerprint(expected));
}
