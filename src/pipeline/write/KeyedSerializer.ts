// Runs tasks that share a key one after another, tasks with different keys side by side. The writers use it per
// user and target: two messages for one person processed at the same time would otherwise both pass the stale
// check and PUT in whatever order the network finishes them, leaving an older photo on top (and they would be two
// concurrent requests on one mailbox, which Outlook caps at 4 per app:
// https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits). Per process only: instances that
// scale out can still overlap, rarely, for one user (see docs/writers.md).

export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting (for tests and diagnostics). */
  get size(): number {
    return this.tails.size;
  }
}
