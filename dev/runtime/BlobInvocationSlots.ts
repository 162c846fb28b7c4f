// The host's blob trigger limit, `extensions.blobs.maxDegreeOfParallelism`: "the integer number of concurrent
// invocations allowed for all blob-triggered functions in a given function app" (default 8 × the available cores).
// One instance of this class per host is shared by every blob trigger listener, so two blob-triggered functions
// share the limit as they do on Azure rather than getting it each.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob#hostjson-settings

export class BlobInvocationSlots {
  #inUse = 0;
  readonly #onRelease = new Set<() => void>();

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.#inUse;
  }

  /** Takes a slot when one is free; the caller must `release()` it once the invocation is over. */
  tryTake(): boolean {
    if (this.#inUse >= this.limit) return false;
    this.#inUse += 1;
    return true;
  }

  release(): void {
    this.#inUse = Math.max(0, this.#inUse - 1);
    // Every listener may have deliveries waiting for this slot; each takes what is free when called.
    for (const listener of [...this.#onRelease]) listener();
  }

  /** Called after each release; returns the function that stops it. */
  onRelease(listener: () => void): () => void {
    this.#onRelease.add(listener);
    return () => this.#onRelease.delete(listener);
  }
}
