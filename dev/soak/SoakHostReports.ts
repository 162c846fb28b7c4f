// What the host instances say, tallied: how many invocations ended in each outcome, and the last lines about each
// person, printed to explain a failure. The verdict never reads these: it reads storage and the emulator.

import type { HostInstanceProcess } from '../instances/HostInstanceProcess';

export class SoakHostReports {
  readonly outcomes: Record<string, number> = {};
  readonly #history = new Map<string, string[]>();
  startedAt = Date.now();

  listen(host: HostInstanceProcess): void {
    host.onLine((line, event) => {
      if (typeof event?.event !== 'string' || typeof event.outcome !== 'string') return;
      const target = typeof event.target === 'string' ? `:${event.target}` : '';
      const key = `${event.event}${target} ${event.outcome}`;
      this.outcomes[key] = (this.outcomes[key] ?? 0) + 1;
      if (typeof event.userId !== 'string') return;
      const entries = this.#history.get(event.userId) ?? [];
      const hash = typeof event.contentHash === 'string' ? ` ${event.contentHash.slice(0, 12)}` : '';
      const code = typeof event.code === 'string' ? ` ${event.code}` : '';
      entries.push(`${((line.t - this.startedAt) / 1000).toFixed(1)} s ${host.name} ${key}${hash}${code}`);
      this.#history.set(event.userId, entries.slice(-15));
    });
  }

  historyOf(userId: string): string[] {
    return this.#history.get(userId) ?? [];
  }
}
