// The one size check, with the one message HR reads for it: run by ingest before anything decodes the photo (the
// trigger already holds the bytes; a decoder must not see more than the limit) and by imaging for any other caller.

import { PhotoRejectedError } from './PhotoRejectedError';

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Throws `empty-file` or `too-many-bytes` for a file of `size` bytes. */
export function checkPhotoSize(size: number, maxBytes: number): void {
  if (size === 0) throw new PhotoRejectedError('empty-file', 'The file is empty (0 bytes).', { bytes: 0 });
  if (size > maxBytes) {
    throw new PhotoRejectedError(
      'too-many-bytes',
      `The file is ${megabytes(size)}; the limit is ${megabytes(maxBytes)}. Save the photo as a JPEG of a few megabytes.`,
      { bytes: size, maxBytes },
    );
  }
}
