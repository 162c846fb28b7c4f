// What the host needs from each trigger kind's listener.

export interface TriggerListener {
  start(): Promise<void>;
  /** Stops taking new work; in-flight invocations are drained by the host. */
  stop(): Promise<void>;
  /** True while the trigger has work waiting or running (used by `waitForIdle`). */
  hasPendingWork(): Promise<boolean>;
}

/** Resolves after `ms`, or earlier when `wake()` is called; never keeps the process alive. */
export class WakeableDelay {
  #wake: (() => void) | undefined;
  /** A wake-up that came while nobody waited ends the next wait at once, so it is never lost. */
  #woken = false;

  wait(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wake = done;
    });
  }

  wake(): void {
    if (this.#wake) this.#wake();
    else this.#woken = true;
  }
}
