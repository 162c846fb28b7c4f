// Fingerprints for processPhotoChange: of the photo Graph serves, and of a rendition we stored in photos-processed
// (read with the blob store's checked rendition read).

import type { FingerprintPort } from '../pipeline/photoChange/PhotoChangePorts';
import { photoFingerprint } from './photoFingerprint';

export function renditionFingerprintPort(store: { readRendition(blobName: string): Promise<Buffer> }): FingerprintPort {
  return {
    ofBytes: (bytes) => photoFingerprint(bytes),
    async ofRendition(rendition) {
      let bytes: Buffer;
      try {
        bytes = await store.readRendition(rendition.blobName);
      } catch (error) {
        // A rendition no longer there cannot be compared: the change is then treated as the person's.
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
      return photoFingerprint(bytes);
    },
  };
}
