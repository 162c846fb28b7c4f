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
// - A unit of work that needs several requests (a photo is 7 SharePoint calls) reserves them all before the first is
//   sent, so it is not stopped half-way when the budget runs out: a write handed back after its uploads would
//   repeat them, spending the budget twice. Reserved units are held against the known budget until sent (the
//   service has not counted them yet); a reservation's requests go without asking again; unused units come back.
//   The reservation is a value its holder passes with each of its requests (pacingPolicy), not ambient context.

import { parseRateLimitHeaders } from './readThrottleHeaders';

export type PaceDecision = { kind: 'send'; ticket: number } | { kind: 'wait'; ms: number };

/** Units held for one unit of work; its requests, which carry it, spend them first. */
export interface BudgetReservation {
  readonly units: number;
}

export type ReserveDecision = { kind: 'reserved'; reservation: BudgetReservation } | { kind: 'wait'; ms: number };

class Reservation implements BudgetReservation {
  constructor(public units: number) {}
}

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
  /** Units reserved and not yet sent, over all reservations. */
  private reserved = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Whether a request may go now (spending a unit of its reservation, or else one of the known budget) or how long
   * it should wait.
   */
  decide(reservation?: BudgetReservation): PaceDecision {
    if (reservation instanceof Reservation && reservation.units > 0) {
      reservation.units -= 1;
      this.reserved -= 1;
      return this.send();
    }
    const turn = this.take(1);
    return turn.kind === 'go' ? this.send() : turn;
  }

  /** Holds `units` of the known budget for one unit of work, or says how long until they can be held. */
  reserve(units: number): ReserveDecision {
    const turn = this.take(units);
    if (turn.kind === 'wait') return turn;
    this.reserved += units;
    return { kind: 'reserved', reservation: new Reservation(units) };
  }

  /** Ends a reservation: what its work did not spend comes back to the budget. */
  release(reservation: BudgetReservation): void {
    if (!(reservation instanceof Reservation)) throw new TypeError('not a reservation of this pacer');
    const unused = reservation.units;
    reservation.units = 0;
    this.reserved -= unused;
    if (this.budget) this.budget.remaining += unused;
  }

  /** Spends `units` of the known budget, or says how long to wait (one request or reservation probes a reset). */
  private take(units: number): { kind: 'go' } | { kind: 'wait'; ms: number } {
    const now = this.now();
    const budget = this.budget;
    if (!budget) return { kind: 'go' };
    if (budget.remaining >= units) {
      budget.remaining -= units;
      return { kind: 'go' };
    }
    if (now < budget.resetAt) return { kind: 'wait', ms: budget.resetAt - now };
    if (!this.probe || now >= this.probe.until) {
      // The next request sent (this one, or the reservation's first) goes first; its answer tells the new budget.
      this.probe = { ticket: this.sent, until: now + PROBE_TIMEOUT_MS };
      return { kind: 'go' };
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
    // Not counted by the service yet: requests sent after this one, and units reserved but not sent.
    const sentSince = this.sent - ticket - 1;
    this.budget = { remaining: Math.max(0, info.remaining - sentSince - this.reserved), resetAt: now + info.resetMs };
    if (this.probe && ticket >= this.probe.ticket) this.probe = undefined;
  }

  private send(): { kind: 'send'; ticket: number } {
    const ticket = this.sent;
    this.sent += 1;
    return { kind: 'send', ticket };
  }
}
