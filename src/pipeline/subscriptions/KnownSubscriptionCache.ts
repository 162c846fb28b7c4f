// The notification endpoint must answer in milliseconds (Graph treats 3 s as slow and drops slow endpoints), so
// it does not read Table storage for every POST: subscription ids live in memory, reloaded when an id is not
// found, at most once per `minRefreshIntervalMs` so a flood of forged ids cannot turn into a flood of table reads.

export interface KnownSubscriptionCacheOptions {
  /** Every subscription id we own (SubscriptionStore). */
  load: () => Promise<string[]>;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  minRefreshIntervalMs?: number;
}

export class KnownSubscriptionCache {
  readonly #load: () => Promise<string[]>;
  readonly #now: () => number;
  readonly #minRefreshIntervalMs: number;
  #ids = new Set<string>();
  #loadedAt: number | undefined;
  #loading: Promise<void> | undefined;

  constructor(options: KnownSubscriptionCacheOptions) {
    this.#load = options.load;
    this.#now = options.now ?? Date.now;
    this.#minRefreshIntervalMs = options.minRefreshIntervalMs ?? 5_000;
  }

  /** The subset of `ids` that are ours, reloading the list once when one is missing and the list is old enough. */
  async known(ids: Iterable<string>): Promise<Set<string>> {
    const wanted = [...new Set(ids)];
    if (wanted.some((id) => !this.#ids.has(id)) && this.#mayRefresh()) await this.refresh();
    return new Set(wanted.filter((id) => this.#ids.has(id)));
  }

  /** Reloads now (after the renewal timer created or re-created a subscription in this process). */
  async refresh(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const ids = await this.#load();
        this.#ids = new Set(ids);
        this.#loadedAt = this.#now();
      } finally {
        this.#loading = undefined;
      }
    })();
    await this.#loading;
  }

  /** Adds an id this process just created, so its first notifications are not ignored. */
  remember(id: string): void {
    this.#ids.add(id);
  }

  #mayRefresh(): boolean {
    return this.#loadedAt === undefined || this.#now() - this.#loadedAt >= this.#minRefreshIntervalMs;
  }
}
