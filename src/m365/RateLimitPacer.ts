// Client-side pacing from SharePoint's RateLimit headers, shared by every request of one service in the process.
// Microsoft's advice: when the headers say the budget is (nearly) spent, slow down until RateLimit-Reset instead of
// running into 429s, whose retries count against the same budget
// (https://devblogs.microsoft.com/microsoft365dev/prevent-throttling-in-your-application-by-using-ratelimit-headers-in-sharepoint-online/).
// SharePoint budgets in resource units, not requests: each request spends its cost (a REST write costs more than a
// read; the costs are the caller's estimate, see sharePointCallCost), and RateLimit-Remaining counts units.
// - Each answer carrying the headers sets the budget: RateLimit-Remaining, less the units sent after the one
//   answered (the service had not counted those yet), so answers arriving out of order never over-promise.
// - While budget is left, each request spends its cost; when it cannot, requests wait until RateLimit-Reset.
// - After the reset one request goes first and its answer tells the others the new budget (a sliding window may
//   free only a few units at the reset time, so a whole queue let go at once would be throttled again).
// - The headers are best effort (SharePoint may leave them out at any use): an answer without them changes nothing
//   before the announced reset; after it, it means no known budget from the headers.
// - So the pacer also keeps its own account when given the app's budget (`budget`: units per window, e.g. 1,200 per
//   minute): every unit sent (a throttled call's too: SharePoint counts those) stays in a sliding log for one window,
//   and a request waits while the log is full. A sliding window of the budget's length never exceeds it in any
//   window of that length, however the service aligns its own.
// - A unit of work that needs several requests (a photo is 7 SharePoint calls) reserves them all before the first is
//   sent, so it is not stopped half-way when the budget runs out: a write handed back after its uploads would
//   repeat them, spending the budget twice. Reserved units are held against the known budget until sent (the
//   service has not counted them yet); a reservation's requests go without asking again; unused units come back.
//   The reservation is a value its holder passes with each of its requests (pacingPolicy), not ambient context.
// - The own account is a `UnitAccount`: by default the sliding log above, for this process alone; with several
//   instances, a share of a budget all of them lease from (SharedUnitBudget), since SharePoint budgets the app.

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

/** The app's budget as the pacer accounts for it without headers. */
export interface PacerBudget {
  units: number;
  windowMs: number;
}

/** One spending in an account; a reservation's unused units are refunded against it. */
export interface UnitEntry {
  units: number;
}

/** The pacer's own account of the budget, independent of headers. */
export interface UnitAccount {
  /** How long until `units` more can be spent (0: now). */
  waitMs(units: number): number;
  /** Spends `units` now (after `waitMs` said 0). */
  record(units: number): UnitEntry;
  /** Gives back `units` of what `entry` spent and did not use. */
  refund(entry: UnitEntry, units: number): void;
}

/** This process's own sliding log: every unit spent counts for one window; a request waits while the log is full. */
export class SlidingUnitLog implements UnitAccount {
  private readonly spent: Array<{ at: number; units: number }> = [];

  constructor(
    private readonly budget: PacerBudget,
    private readonly now: () => number = Date.now,
  ) {}

  waitMs(units: number): number {
    const now = this.now();
    const budget = this.budget;
    while (this.spent.length > 0 && (this.spent[0]?.at ?? now) + budget.windowMs <= now) this.spent.shift();
    let used = this.spent.reduce((sum, e) => sum + e.units, 0);
    if (used + units <= budget.units) return 0;
    for (const entry of this.spent) {
      used -= entry.units;
      if (used + units <= budget.units) return entry.at + budget.windowMs - now;
    }
    // More than the whole budget at once: it goes alone once the log is empty.
    return (this.spent.at(-1)?.at ?? now) + budget.windowMs - now;
  }

  record(units: number): UnitEntry {
    const entry = { at: this.now(), units };
    this.spent.push(entry);
    return entry;
  }

  refund(entry: UnitEntry, units: number): void {
    entry.units -= units;
  }
}

export class RateLimitPacer {
  private sent = 0;
  private observedTicket = -1;
  private budget: { remaining: number; resetAt: number } | undefined;
  private probe: { ticket: number; until: number } | undefined;
  /** Units reserved and not yet sent, over all reservations. */
  private reserved = 0;
  /** Units sent so far, and the running total after each ticket (for "sent since" in `observe`). */
  private sentUnits = 0;
  private readonly unitsAfter = new Map<number, number>();
  /** Own account of spent units (a reservation counts whole when made, less what it gives back). */
  private readonly account: UnitAccount | undefined;
  private readonly reservationEntries = new WeakMap<BudgetReservation, UnitEntry>();

  constructor(
    private readonly now: () => number = Date.now,
    ownBudget?: PacerBudget | UnitAccount,
  ) {
    this.account = ownBudget && 'waitMs' in ownBudget ? ownBudget : ownBudget && new SlidingUnitLog(ownBudget, now);
  }

  /**
   * Whether a request may go now (spending a unit of its reservation, or else one of the known budget) or how long
   * it should wait.
   */
  decide(reservation?: BudgetReservation, cost = 1): PaceDecision {
    if (reservation instanceof Reservation && reservation.units > 0) {
      // What the reservation holds pays first; a shortfall (a call it did not plan) comes from the budget.
      const covered = Math.min(cost, reservation.units);
      if (covered < cost) {
        const extra = this.take(cost - covered);
        if (extra.kind === 'wait') return extra;
        this.record(cost - covered);
      }
      reservation.units -= covered;
      this.reserved -= covered;
      return this.send(cost);
    }
    const turn = this.take(cost);
    if (turn.kind === 'wait') return turn;
    this.record(cost);
    return this.send(cost);
  }

  /** Holds `units` of the known budget for one unit of work, or says how long until they can be held. */
  reserve(units: number): ReserveDecision {
    const turn = this.take(units);
    if (turn.kind === 'wait') return turn;
    this.reserved += units;
    const reservation = new Reservation(units);
    const entry = this.record(units);
    if (entry) this.reservationEntries.set(reservation, entry);
    return { kind: 'reserved', reservation };
  }

  /** Ends a reservation: what its work did not spend comes back to the budget. */
  release(reservation: BudgetReservation): void {
    if (!(reservation instanceof Reservation)) throw new TypeError('not a reservation of this pacer');
    const unused = reservation.units;
    reservation.units = 0;
    this.reserved -= unused;
    if (this.budget) this.budget.remaining += unused;
    const entry = this.reservationEntries.get(reservation);
    if (entry && unused > 0) this.account?.refund(entry, unused);
  }

  /** Adds `units` spent now to the own account (when there is one). */
  private record(units: number): UnitEntry | undefined {
    return this.account?.record(units);
  }

  /** Spends `units` of the known budget, or says how long to wait (one request or reservation probes a reset). */
  private take(units: number): { kind: 'go' } | { kind: 'wait'; ms: number } {
    const now = this.now();
    const own = this.account?.waitMs(units) ?? 0;
    if (own > 0) return { kind: 'wait', ms: own };
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
    const unitsAfterTicket = this.unitsAfter.get(ticket) ?? this.sentUnits;
    this.forget(ticket);
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
    // Not counted by the service yet: units sent after this one, and units reserved but not sent.
    const sentSince = this.sentUnits - unitsAfterTicket;
    this.budget = { remaining: Math.max(0, info.remaining - sentSince - this.reserved), resetAt: now + info.resetMs };
    if (this.probe && ticket >= this.probe.ticket) this.probe = undefined;
  }

  /** The request sent with `ticket` got no answer (or its answer was read): nothing more to learn from it. */
  forget(ticket: number): void {
    this.unitsAfter.delete(ticket);
  }

  private send(cost: number): { kind: 'send'; ticket: number } {
    const ticket = this.sent;
    this.sent += 1;
    this.sentUnits += cost;
    this.unitsAfter.set(ticket, this.sentUnits);
    return { kind: 'send', ticket };
  }
}
