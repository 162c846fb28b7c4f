// Outages of one kind may overlap (the plan places each at random): the service is down from the first one's start
// to the last one's end, not for the sum of their lengths. Counts the open outages, so the caller acts only on the
// first begin (take the service down) and the last end (bring it back), and the soak prints the time it was down.

export class OutageSpans {
  #open = 0;
  #since = 0;
  #downMs = 0;

  /** True when this outage is the first open one: the service must go down now. */
  begin(now = Date.now()): boolean {
    this.#open += 1;
    if (this.#open > 1) return false;
    this.#since = now;
    return true;
  }

  /** True when this was the last open outage: the service comes back now. */
  end(now = Date.now()): boolean {
    if (this.#open === 0) return false;
    this.#open -= 1;
    if (this.#open > 0) return false;
    this.#downMs += now - this.#since;
    return true;
  }

  /** Time with at least one outage open, up to `now` (an outage still open counts until now). */
  downMs(now = Date.now()): number {
    return this.#downMs + (this.#open > 0 ? now - this.#since : 0);
  }
}
