// sharp's `.timeout()` stopped a pipeline. The photo already passed every header check (bytes, pixels, format), so
// the likely cause is a starved worker rather than the photo: retryable, and the trigger's retry/poison policy
// decides when to give up. Without the timeout a pathological image could hold a Functions worker forever.
export class PhotoRenderTimeoutError extends Error {
  readonly code = 'render-timeout';
  readonly retryable = true;

  constructor(
    public readonly seconds: number,
    options?: { cause?: unknown },
  ) {
    super(`Rendering the photo took longer than ${seconds} s and was stopped.`, options);
    this.name = 'PhotoRenderTimeoutError';
  }
}
