// One error type for the local runtime's own failures (bad configuration, unsupported bindings, Azurite that
// will not start), so callers can tell them from the app's errors.

export type LocalRuntimeErrorCode =
  | 'function-module-missing'
  | 'function-module-failed'
  | 'no-main'
  | 'unsupported-binding'
  | 'invalid-binding'
  | 'invalid-host-json'
  | 'storage-connection'
  | 'azurite-failed'
  | 'http-port-in-use'
  | 'unknown-function'
  | 'blob-not-found'
  | 'idle-timeout';

export class LocalRuntimeError extends Error {
  readonly retryable = false;
  constructor(
    readonly code: LocalRuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LocalRuntimeError';
  }
}
