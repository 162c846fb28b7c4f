// Which emulator requests belong to which throttled budget, and when each budget first and last saw traffic: the
// emulator's counters sampled every few tens of milliseconds (its stats carry counts, not timestamps).

import { performance } from 'node:perf_hooks';
import type { EmulatorStats } from '../../dev/m365-emulator';

/** `directory`: Graph user lookups by ingest (cached by GraphDirectory, so mostly in the first phase). */
export type ServiceGroup = 'graph' | 'directory' | 'sharepoint';

/** The emulator counts `{service} {METHOD} {route}`; Graph's photo routes are the Exchange writer's traffic. */
function serviceGroup(routeKey: string): ServiceGroup | undefined {
  const [service, , route] = routeKey.split(' ');
  if (service === 'graph') return route?.startsWith('photo.') ? 'graph' : 'directory';
  if (service === 'mySite' || service === 'admin') return 'sharepoint';
  return undefined;
}

export function requestsByGroup(stats: EmulatorStats): Record<ServiceGroup, number> {
  const totals: Record<ServiceGroup, number> = { graph: 0, directory: 0, sharepoint: 0 };
  for (const [key, count] of Object.entries(stats.byRoute)) {
    const group = serviceGroup(key);
    if (group) totals[group] += count;
  }
  return totals;
}

/** When each service group first and last saw a request, sampled from the emulator's counters. */
export class RequestSampler {
  readonly first: Partial<Record<ServiceGroup, number>> = {};
  readonly last: Partial<Record<ServiceGroup, number>> = {};
  #previous: Record<ServiceGroup, number>;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly read: () => EmulatorStats,
    intervalMs: number,
  ) {
    this.#previous = requestsByGroup(read());
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const now = performance.now();
    const current = requestsByGroup(this.read());
    for (const group of ['graph', 'directory', 'sharepoint'] as const) {
      if (current[group] === this.#previous[group]) continue;
      this.first[group] ??= now;
      this.last[group] = now;
    }
    this.#previous = current;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }
}
