// Cross-cutting behaviour of the emulated services: request counters, per-app throttling (sliding window) and
// injected faults. Throttling uses the real monotonic clock, not the injectable tenant clock, because Retry-After
// is a wall-clock promise to the client.

import { performance } from 'node:perf_hooks';

export type ServiceName = 'login' | 'graph' | 'mySite' | 'admin';
export type ThrottledService = 'graph' | 'sharepoint';

export interface FaultSpec {
  /** `sharepoint` matches both the My Site and the admin host. */
  service: ServiceName | 'sharepoint';
  method?: string;
  /** Regular expression (or its source) tested against the decoded path. */
  pathPattern?: RegExp | string;
  status?: number;
  code?: string;
  message?: string;
  retryAfterSeconds?: number;
  delayMs?: number;
  dropConnection?: boolean;
  /** How many matching requests the fault hits (default 1; `Infinity` until cleared). */
  times?: number;
}

export interface ThrottlingSpec {
  service: ThrottledService;
  /** Requests allowed per app within `windowMs`; `undefined` turns throttling off. */
  limit?: number;
  windowMs?: number;
}

export interface EmulatorStats {
  requests: number;
  throttled: number;
  faults: number;
  byRoute: Record<string, number>;
  /**
   * Per route key (as in `byRoute`), how many requests came with each `User-Agent` (`''` when none was sent):
   * SharePoint asks apps to send `NONISV|{company}|{app}/{version}` and throttles undecorated traffic first.
   * https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online
   */
  userAgentsByRoute: Record<string, Record<string, number>>;
}

function emptyStats(): EmulatorStats {
  return { requests: 0, throttled: 0, faults: 0, byRoute: {}, userAgentsByRoute: {} };
}

interface ActiveFault extends FaultSpec {
  remaining: number;
  pattern?: RegExp;
}

export class RequestPolicy {
  private faults: ActiveFault[] = [];
  private readonly limits = new Map<ThrottledService, { limit: number; windowMs: number }>();
  private readonly windows = new Map<string, number[]>();
  private counters: EmulatorStats = emptyStats();

  injectFault(spec: FaultSpec): void {
    const pattern = spec.pathPattern === undefined ? undefined : new RegExp(spec.pathPattern, 'i');
    this.faults.push({ ...spec, remaining: spec.times ?? 1, ...(pattern ? { pattern } : {}) });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Consumes one use of the first fault that matches this request. */
  takeFault(service: ServiceName, method: string, path: string): FaultSpec | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.service === service || (f.service === 'sharepoint' && (service === 'mySite' || service === 'admin'))) &&
        (!f.method || f.method.toUpperCase() === method.toUpperCase()) &&
        (!f.pattern || f.pattern.test(path)),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.counters.faults += 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }

  setThrottling(spec: ThrottlingSpec): void {
    if (spec.limit === undefined) this.limits.delete(spec.service);
    else this.limits.set(spec.service, { limit: spec.limit, windowMs: spec.windowMs ?? 1000 });
  }

  /** Records one request by `appId`; returns seconds to wait when it is over the limit (and does not count it). */
  throttle(service: ThrottledService, appId: string): number | undefined {
    const rule = this.limits.get(service);
    if (!rule) return undefined;
    const key = `${service}:${appId}`;
    const now = performance.now();
    const recent = (this.windows.get(key) ?? []).filter((t) => t > now - rule.windowMs);
    if (recent.length >= rule.limit) {
      this.windows.set(key, recent);
      this.counters.throttled += 1;
      const oldest = recent[0] ?? now;
      return Math.max(1, Math.ceil((oldest + rule.windowMs - now) / 1000));
    }
    recent.push(now);
    this.windows.set(key, recent);
    return undefined;
  }

  count(service: ServiceName, method: string, route: string, userAgent = ''): void {
    this.counters.requests += 1;
    const key = `${service} ${method.toUpperCase()} ${route}`;
    this.counters.byRoute[key] = (this.counters.byRoute[key] ?? 0) + 1;
    const agents = (this.counters.userAgentsByRoute[key] ??= {});
    agents[userAgent] = (agents[userAgent] ?? 0) + 1;
  }

  stats(): EmulatorStats {
    const userAgentsByRoute = Object.fromEntries(
      Object.entries(this.counters.userAgentsByRoute).map(([key, agents]) => [key, { ...agents }]),
    );
    return { ...this.counters, byRoute: { ...this.counters.byRoute }, userAgentsByRoute };
  }

  resetStats(): void {
    this.counters = emptyStats();
  }
}
