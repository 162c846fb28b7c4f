// Cross-cutting behaviour of the emulated services: request counters, per-app throttling, Outlook's per-mailbox
// limits and injected faults. Throttling uses the real monotonic clock, not the injectable tenant clock, because
// Retry-After and RateLimit-Reset are wall-clock promises to the client.
// - SharePoint budgets each app in resource units per minute, a quota that resets: its (draft-03) IETF
//   `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` headers give the seconds until the quota resets.
//   So SharePoint is throttled in fixed windows, back to back from the moment throttling was set. Each call costs
//   units by kind (Graph documents 1 for a single item, 2 for a collection or a write; CSOM/REST "usually consume
//   more", undocumented: the emulator's REST costs are an option, default `sharePointCallCosts`). Throttled calls
//   count against the budget too. The headers are "best effort", from 80 % of the budget on: by default they come
//   with every other such answer (`rateLimitHeaders: 'sometimes'`), so clients must pace without them.
//   A tenant-wide cap on PeopleManager calls (3,000 per 5 minutes up to 1,000 licences) answers 429 without them.
//   https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online
// - Graph documents no algorithm, only 429 + Retry-After (https://learn.microsoft.com/graph/throttling): it is
//   throttled with a sliding log, the stricter reading (a burst at a window edge cannot get twice the limit).
// - Outlook (photos included) limits each app on each mailbox to 4 concurrent requests and 10,000 requests per
//   10 minutes: https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits

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

/**
 * `fixed`: the budget resets whole at the end of each window (windows follow each other from `setThrottling`);
 * `sliding`: a request counts for `windowMs` after it was admitted.
 */
export type ThrottleWindowKind = 'fixed' | 'sliding';

/** What a SharePoint call is, for its cost in resource units. */
export type SharePointCallKind = 'read' | 'list' | 'write';

/** Our reading of "REST usually costs more than Graph" (Graph: 1 read, 2 collection or write). */
export const sharePointCallCosts: Record<SharePointCallKind, number> = { read: 2, list: 3, write: 4 };

/** When SharePoint sends RateLimit-* (from 80 % of the budget on): documented as best effort. */
export type RateLimitHeaderMode = 'always' | 'sometimes' | 'never';

export interface ThrottlingSpec {
  service: ThrottledService;
  /**
   * Allowed per app within `windowMs`, `undefined` turns throttling off: resource units for SharePoint (each call
   * costs `costs[kind]`), requests for Graph.
   */
  limit?: number;
  windowMs?: number;
  /** Default: `fixed` for SharePoint (its per-minute quota resets), `sliding` for Graph. */
  window?: ThrottleWindowKind;
  /** SharePoint only: resource units per call kind (default `sharePointCallCosts`). */
  costs?: Partial<Record<SharePointCallKind, number>>;
  /** SharePoint only (default `sometimes`: every other answer that could carry them). */
  rateLimitHeaders?: RateLimitHeaderMode;
  /** Whether refused calls spend the budget (SharePoint: documented yes, the default; Graph: no). */
  countThrottled?: boolean;
}

/** The tenant-wide cap on PeopleManager calls, all apps together. */
export interface PeopleManagerCapSpec {
  limit: number;
  windowMs: number;
}

/** SharePoint's per-app budget for tenants of 0–1,000 licences (larger tenants get up to 6,000 per minute). */
export const sharePointAppBudget: ThrottlingSpec = { service: 'sharepoint', limit: 1_200, windowMs: 60_000 };

/** 0–1,000 licences; larger tenants get more (same page). */
export const peopleManagerTenantCap: PeopleManagerCapSpec = { limit: 3_000, windowMs: 5 * 60_000 };

/** One app's use of one fixed window: what the service admitted and refused in it. */
export interface ThrottleWindowUsage {
  appId: string;
  /** `performance.now()` milliseconds of this process (the emulator runs in it). */
  startedAt: number;
  endsAt: number;
  limit: number;
  /** Requests admitted and refused. */
  admitted: number;
  refused: number;
  /** Budget units they spent (resource units for SharePoint; equal to the requests for Graph). */
  admittedUnits: number;
  refusedUnits: number;
}

/** Outlook's limits per app and mailbox; each field left out keeps its current value. */
export interface MailboxLimitsSpec {
  /** Requests of one app in flight on one mailbox (Outlook: 4); `Infinity` turns the check off. */
  concurrency?: number;
  /** Requests of one app on one mailbox within `windowMs` (Outlook: 10,000 per 10 minutes). */
  limit?: number;
  windowMs?: number;
  /**
   * How long each photo request holds its mailbox slot, standing in for Exchange's own processing time (the
   * emulator answers in a few milliseconds, so concurrent requests would otherwise rarely overlap). Default 0.
   */
  holdMs?: number;
}

export const defaultThrottleWindow: Record<ThrottledService, ThrottleWindowKind> = {
  graph: 'sliding',
  sharepoint: 'fixed',
};

interface WindowCounts {
  admitted: number;
  refused: number;
  admittedUnits: number;
  refusedUnits: number;
}

interface ThrottleRule {
  limit: number;
  windowMs: number;
  window: ThrottleWindowKind;
  /** Start of the first fixed window (when throttling was set). */
  origin: number;
  costs: Record<SharePointCallKind, number>;
  headers: RateLimitHeaderMode;
  countThrottled: boolean;
}

export const outlookMailboxLimits: Required<MailboxLimitsSpec> = {
  concurrency: 4,
  limit: 10_000,
  windowMs: 10 * 60_000,
  holdMs: 0,
};

/** What the throttle decided for one request. */
export interface ThrottleVerdict {
  /** Set when the request is refused: whole seconds until the window frees up. */
  retryAfterSeconds?: number;
  /** `RateLimit-*` headers to send with the answer (SharePoint, from 80 % of the budget on); empty otherwise. */
  headers: Record<string, string>;
}

export type MailboxBudget = 'MailboxConcurrency' | 'MailboxRequests';

export type MailboxVerdict = { ok: true } | { ok: false; budget: MailboxBudget; retryAfterSeconds: number };

export interface EmulatorStats {
  requests: number;
  /** Every 429 the throttles served (per-app windows and mailbox limits). */
  throttled: number;
  /** The same 429s by limit: `graph`, `sharepoint`, `peopleManagerCap`, `MailboxConcurrency`, `MailboxRequests`. */
  throttledBy: Record<string, number>;
  /** Answers that carried `RateLimit-*` headers (SharePoint near or over its limit). */
  rateLimitHeaders: number;
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
  return {
    requests: 0,
    throttled: 0,
    throttledBy: {},
    rateLimitHeaders: 0,
    faults: 0,
    byRoute: {},
    userAgentsByRoute: {},
  };
}

interface ActiveFault extends FaultSpec {
  remaining: number;
  pattern?: RegExp;
}

export class RequestPolicy {
  /** `wallClock`: monotonic milliseconds (tests pass their own to step through windows). */
  constructor(private readonly wallClock: () => number = () => performance.now()) {}

  private faults: ActiveFault[] = [];
  private readonly limits = new Map<ThrottledService, ThrottleRule>();
  private readonly windows = new Map<string, { at: number; units: number }[]>();
  private peopleManagerCap: PeopleManagerCapSpec = { ...peopleManagerTenantCap };
  /** Per app: answers that could have carried RateLimit-* (for the `sometimes` alternation). */
  private readonly headerChances = new Map<string, number>();
  /** Fixed windows, per service: app → window index → admitted/refused. */
  private readonly fixedUsage = new Map<ThrottledService, Map<string, Map<number, WindowCounts>>>();
  private counters: EmulatorStats = emptyStats();
  private mailboxLimits: Required<MailboxLimitsSpec> = { ...outlookMailboxLimits };
  private readonly inFlight = new Map<string, number>();
  /** Per request object: headers to add to its answer, and the mailbox slot to give back when it is answered. */
  private readonly extraHeaders = new WeakMap<object, Record<string, string>>();
  private readonly releases = new WeakMap<object, () => void>();

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
    this.fixedUsage.delete(spec.service);
    for (const key of [...this.windows.keys()]) if (key.startsWith(`${spec.service}:`)) this.windows.delete(key);
    if (spec.limit === undefined) {
      this.limits.delete(spec.service);
      return;
    }
    const sharePoint = spec.service === 'sharepoint';
    this.limits.set(spec.service, {
      limit: spec.limit,
      windowMs: spec.windowMs ?? 1000,
      window: spec.window ?? defaultThrottleWindow[spec.service],
      origin: this.wallClock(),
      costs: { ...(sharePoint ? sharePointCallCosts : { read: 1, list: 1, write: 1 }), ...spec.costs },
      headers: sharePoint ? (spec.rateLimitHeaders ?? 'sometimes') : 'never',
      countThrottled: spec.countThrottled ?? sharePoint,
    });
  }

  setPeopleManagerCap(spec: PeopleManagerCapSpec): void {
    this.peopleManagerCap = { ...spec };
    this.windows.delete('peopleManager');
  }

  /** The tenant-wide PeopleManager cap (a sliding log over all apps): refused calls get a Retry-After only. */
  enterPeopleManagerCap(): { retryAfterSeconds?: number } {
    const cap = this.peopleManagerCap;
    const window = this.slidingWindow('peopleManager', cap.windowMs, this.wallClock());
    if (window.used + 1 > cap.limit) {
      this.countThrottled('peopleManagerCap');
      return { retryAfterSeconds: wholeSecondsToWait(window.msUntilFree) };
    }
    window.admit(true, 1);
    return {};
  }

  /**
   * Records one request by `appId` costing the units of its `kind`. Over the limit the request is refused with the
   * whole seconds to wait (and, for SharePoint, still spends its units). SharePoint answers from 80 % of the budget
   * on may carry `RateLimit-*` headers (see `rateLimitHeaders`).
   */
  throttle(service: ThrottledService, appId: string, kind: SharePointCallKind = 'read'): ThrottleVerdict {
    const rule = this.limits.get(service);
    if (!rule) return { headers: {} };
    const cost = rule.costs[kind];
    const now = this.wallClock();
    const { used, msUntilFree, admit } =
      rule.window === 'fixed'
        ? this.fixedWindow(service, rule, appId, now)
        : this.slidingWindow(`${service}:${appId}`, rule.windowMs, now);
    if (used + cost > rule.limit) {
      this.countThrottled(service);
      admit(false, rule.countThrottled ? cost : 0);
      const retryAfterSeconds = wholeSecondsToWait(msUntilFree);
      return { retryAfterSeconds, headers: this.headersFor(rule, appId, 0, retryAfterSeconds) };
    }
    admit(true, cost);
    if (used + cost < Math.ceil(rule.limit * 0.8)) return { headers: {} };
    return { headers: this.headersFor(rule, appId, rule.limit - used - cost, wholeSecondsToWait(msUntilFree)) };
  }

  /** RateLimit-* for an answer that may carry them, as the rule's header mode decides. */
  private headersFor(rule: ThrottleRule, appId: string, remaining: number, resetSeconds: number) {
    if (rule.headers === 'never') return {};
    const chance = (this.headerChances.get(appId) ?? 0) + 1;
    this.headerChances.set(appId, chance);
    if (rule.headers === 'sometimes' && chance % 2 === 0) return {};
    return rateLimitHeaders(rule.limit, remaining, resetSeconds);
  }

  /** The fixed windows of `service` so far (the current one included), per app, oldest first. */
  throttleWindows(service: ThrottledService): ThrottleWindowUsage[] {
    const rule = this.limits.get(service);
    if (!rule || rule.window !== 'fixed') return [];
    const current = Math.floor((this.wallClock() - rule.origin) / rule.windowMs);
    const usage: ThrottleWindowUsage[] = [];
    for (const [appId, byWindow] of this.fixedUsage.get(service) ?? []) {
      for (let index = 0; index <= current; index++) {
        const counts = byWindow.get(index) ?? emptyCounts();
        const startedAt = rule.origin + index * rule.windowMs;
        usage.push({ appId, startedAt, endsAt: startedAt + rule.windowMs, limit: rule.limit, ...counts });
      }
    }
    return usage;
  }

  private fixedWindow(service: ThrottledService, rule: ThrottleRule, appId: string, now: number) {
    const index = Math.floor((now - rule.origin) / rule.windowMs);
    const apps = this.fixedUsage.get(service) ?? new Map<string, Map<number, WindowCounts>>();
    this.fixedUsage.set(service, apps);
    const byWindow = apps.get(appId) ?? new Map<number, WindowCounts>();
    apps.set(appId, byWindow);
    const counts = byWindow.get(index) ?? emptyCounts();
    byWindow.set(index, counts);
    return {
      used: counts.admittedUnits + counts.refusedUnits,
      msUntilFree: rule.origin + (index + 1) * rule.windowMs - now,
      admit: (admitted: boolean, units: number) => {
        if (admitted) {
          counts.admitted += 1;
          counts.admittedUnits += units;
        } else {
          counts.refused += 1;
          counts.refusedUnits += units;
        }
      },
    };
  }

  /**
   * A sliding log under `key` (an app's Graph budget, an app on one mailbox, the PeopleManager cap): what is
   * admitted (or refused and counted) spends its units for `windowMs`.
   */
  private slidingWindow(key: string, windowMs: number, now: number) {
    const recent = (this.windows.get(key) ?? []).filter((e) => e.at > now - windowMs);
    this.windows.set(key, recent);
    return {
      used: recent.reduce((sum, e) => sum + e.units, 0),
      msUntilFree: (recent[0]?.at ?? now) + windowMs - now,
      admit: (_admitted: boolean, units: number) => {
        if (units > 0) recent.push({ at: now, units });
      },
    };
  }

  setMailboxLimits(spec: MailboxLimitsSpec): void {
    const defined = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
    this.mailboxLimits = { ...this.mailboxLimits, ...defined };
  }

  getMailboxLimits(): Required<MailboxLimitsSpec> {
    return { ...this.mailboxLimits };
  }

  /**
   * Admits one request of `appId` on a mailbox, or refuses it with the budget it is over. An admitted request
   * holds a concurrency slot until `finish(request)` (the service handler calls it once the answer is built).
   */
  enterMailbox(appId: string, mailboxId: string, request: object): MailboxVerdict {
    const rules = this.mailboxLimits;
    const key = `mailbox:${appId}:${mailboxId}`;
    const busy = this.inFlight.get(key) ?? 0;
    if (busy >= rules.concurrency) {
      this.countThrottled('MailboxConcurrency');
      return { ok: false, budget: 'MailboxConcurrency', retryAfterSeconds: 1 };
    }
    const window = this.slidingWindow(key, rules.windowMs, this.wallClock());
    if (window.used >= rules.limit) {
      this.countThrottled('MailboxRequests');
      return { ok: false, budget: 'MailboxRequests', retryAfterSeconds: wholeSecondsToWait(window.msUntilFree) };
    }
    window.admit(true, 1);
    this.inFlight.set(key, busy + 1);
    this.releases.set(request, () => {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    });
    return { ok: true };
  }

  /** Headers (e.g. `RateLimit-*`) the answer to this request must carry, whatever the route answers. */
  addResponseHeaders(request: object, headers: Record<string, string>): void {
    if (Object.keys(headers).length === 0) return;
    this.extraHeaders.set(request, { ...this.extraHeaders.get(request), ...headers });
  }

  /** The request has its answer: returns the headers to add to it and frees its mailbox slot. */
  finish(request: object): Record<string, string> {
    this.releases.get(request)?.();
    this.releases.delete(request);
    const headers = this.extraHeaders.get(request) ?? {};
    this.extraHeaders.delete(request);
    if (Object.keys(headers).some((h) => h.toLowerCase().startsWith('ratelimit-'))) this.counters.rateLimitHeaders += 1;
    return headers;
  }

  private countThrottled(limit: string): void {
    this.counters.throttled += 1;
    this.counters.throttledBy[limit] = (this.counters.throttledBy[limit] ?? 0) + 1;
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
    return {
      ...this.counters,
      throttledBy: { ...this.counters.throttledBy },
      byRoute: { ...this.counters.byRoute },
      userAgentsByRoute,
    };
  }

  resetStats(): void {
    this.counters = emptyStats();
  }
}

function emptyCounts(): WindowCounts {
  return { admitted: 0, refused: 0, admittedUnits: 0, refusedUnits: 0 };
}

/** Whole seconds, rounded up (at least 1): waiting that long is a promise that the budget has room again. */
function wholeSecondsToWait(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** draft-ietf-httpapi-ratelimit-headers-03, as SharePoint sends them: the limit, what is left, seconds to reset. */
function rateLimitHeaders(limit: number, remaining: number, resetSeconds: number): Record<string, string> {
  return {
    'ratelimit-limit': String(limit),
    'ratelimit-remaining': String(Math.max(0, remaining)),
    'ratelimit-reset': String(resetSeconds),
  };
}
