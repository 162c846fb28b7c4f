// A photo that can never be written: HR has to act (a better image, a known user). It is a value with a code that
// the rejection JSON, the logs and the telemetry all use, never retried.

export type RejectionCode =
  | 'empty-file'
  | 'not-an-image'
  | 'vector-image'
  | 'unsupported-format'
  | 'corrupt-image'
  | 'too-small'
  | 'too-many-bytes'
  | 'too-many-pixels'
  | 'unknown-user'
  | 'ambiguous-user'
  | 'no-user-hint'
  /** A CSV manifest (not a photo) that cannot be read: no header, rows missing a column, broken quoting. */
  | 'invalid-manifest'
  /** A manifest over INGEST_MANIFEST_MAX_BYTES or INGEST_MANIFEST_MAX_ROWS: refused before it is parsed in full. */
  | 'manifest-too-large'
  /** The person is in the protected-accounts group (PROTECTED_ACCOUNTS_GROUP_ID): their photo is never changed. */
  | 'protected-account';

export class PhotoRejectedError extends Error {
  readonly retryable = false;

  constructor(
    public readonly code: RejectionCode,
    message: string,
    public readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PhotoRejectedError';
  }
}

export function isPhotoRejectedError(error: unknown): error is PhotoRejectedError {
  return error instanceof PhotoRejectedError;
}
