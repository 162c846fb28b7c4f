import { createHash } from 'node:crypto';

// The hash of the ORIGINAL bytes, not of the renditions: it is known before any decoding, so a re-dropped file is
// recognised (same `photos-processed/{userId}/{contentHash}/` folder, same queue message hashes) without work, and
// it stays stable across sharp/libvips upgrades that would change the rendition bytes. The cost: the same picture
// re-exported by another tool gets a new hash and is written again, which is harmless (writes are idempotent).
export function contentHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
