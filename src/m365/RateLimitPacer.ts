// Client-side pacing from SharePoint's RateLimit headers, shared by every request of one service in the process.
// Microsoft's advice: when the headers say the budget is (nearly) spent, slow down until RateLimit-Reset instead of
// running into 429s, whose retries count against the same budget
// (https://devblogs.microsoft.com/microsoft365dev/prevent-throttling-in-your-application-by-using-ratelimit-headers-in-sharepoint-online/).
// - Each answer carrying the headers sets the budget: RateLimit-Remaining, less the requests sent after the one
//   answered (the service had not counted those yet), so answers arriving out of order never over-promise.
// - While budget is left, each request spends one; at zero, requests wait until RateLimit-Reset.
// - After the reset one request goes first and its answer tells the others the new budget (a sliding window may
//   free only a few units at the reset time, so a whole queue let go at once would be throttled again).
// - An answer without the headers means the app is below 80 % of its budget again: no pacing.

import { parseRateLimitHeaders } from './parseRateLimitHeaders';

export type PaceDecision = { kind: 'send'; ticket: number } | { kind: 'wait'; ms: number };

/** How long the first request after a reset may stay unanswered before another one is let through. */
const PROBE_TIMEOUT_MS = 5_000;
/** Waiters for the first answer after a reset look again this often. */
const PROBE_POLL_MS = 50;

interface HeaderSource {
  get(name: string): string | null;
}

export class RateLimitPacer {
  private sent = 0;
  private observedTicket = -1;
  private budget: { remaining: number; resetAt: number } | undefined;
  private probe: { ticket: number; until: number } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether a request may go now (spending one unit of the known budget) or how long it should wait. */
  decide(): PaceDecision {
    const now = this.now();
    const budget = this.budget;
    if (!budget) return this.send();
    if (budget.remaining > 0) {
      budget.remaining -= 1;
      return this.send();
    }
    if (now < budget.resetAt) return { kind: 'wait', ms: budget.resetAt - now };
    if (!this.probe || now >= this.probe.until) {
      const decision = this.send();
      this.probe = { ticket: decision.ticket, until: now + PROBE_TIMEOUT_MS };
      return decision;
    }
    return { kind: 'wait', ms: Math.min(PROBE_POLL_MS, this.probe.until - now) };
  }

  /** Learns from the answer to the request sent with `ticket`. */
  observe(ticket: number, headers: HeaderSource): void {
    if (ticket <= this.observedTicket) return;
    const info = parseRateLimitHeaders(headers);
    const now = this.now();
    if (!info) {
      // A stale answer from before the budget ran low must not lift pacing that a later answer set up.
      if (this.budget && now < this.budget.resetAt) return;
      this.observedTicket = ticket;
      this.budget = undefined;
      this.probe = undefined;
      return;
    }
    this.observedTicket = ticket;
    const sentSince = this.sent - ticket - 1;
    this.budget = { remaining: Math.max(0, info.remaining - sentSince), resetAt: now + info.resetMs };
    if (this.probe && ticket >= this.probe.ticket) this.probe = undefined;
  }

  private send(): { kind: 'send'; ticket: number } {
    const ticket = this.sent;
    this.sent += 1;
    return { kind: 'send', ticket };
  }
}
