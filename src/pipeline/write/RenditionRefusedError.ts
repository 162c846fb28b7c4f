// The rendition store refused a read: the name is not one ingest makes (a dot segment, another container, too
// long), or the blob is not a JPEG of a rendition's size. The message check refuses such names first; this is the
// second lock on the same door, so a reference that slips past one check is still never read or written. Never
// retried: the handler dead-letters the message with this code.

export class RenditionRefusedError extends Error {
  readonly code = 'untrusted-rendition';
  readonly retryable = false;

  constructor(
    public readonly blobName: string,
    reason: string,
  ) {
    super(`Refused to read the rendition "${blobName.slice(0, 200)}": ${reason}`);
    this.name = 'RenditionRefusedError';
  }
}
