// One instance's share of a budget that every instance draws from (SharePoint's per-app resource units: Microsoft
// throttles the app, not the host, so N instances pacing on their own would spend N budgets). The instance leases
// units from a shared ledger (BudgetLedgerStore, Azure Table) a block at a time and spends them from memory, so a
// request costs a table round trip only when the block runs out; a lease counts in the slot it was taken in and what
// is left of it at the slot's end is given back with the next lease (see budgetLedger for why that keeps every
// window within the budget).
// The pacer asks synchronously (`waitMs`), so a shortfall starts one lease in the background and the asker polls: the
// answer is "wait a little" while the lease is under way, or "wait until the slot that has room" when the ledger is
// full. A ledger that cannot be reached (a storage outage) holds requests back rather than spend blind: the writers
// need the same storage for their state anyway, and a wait beyond the paced limit is handed back to the queue.

import type { LeaseOutcome, LeaseRequest } from './budgetLedger';
import { slotAt, type BudgetShape } from './budgetLedger';
import type { UnitAccount, UnitEntry } from './RateLimitPacer';

export interface BudgetLedgerPort {
  readonly shape: BudgetShape;
  lease(request: Omit<LeaseRequest, 'now'>): Promise<LeaseOutcome>;
}

export interface SharedUnitBudgetOptions {
  /** Units leased beyond the shortfall, so the next requests need no round trip (default: a quarter of a slot's share). */
  blockUnits?: number;
  /** How often an asker looks again while a lease is under way. */
  pollMs?: number;
  /** How long to hold requests back after the ledger could not be reached. */
  outageBackoffMs?: number;
  onError?: (error: unknown) => void;
}

interface SlotEntry extends UnitEntry {
  slot: number;
}

export class SharedUnitBudget implements UnitAccount {
  private pool = { slot: -1, units: 0 };
  private giveBack = new Map<number, number>();
  private leasing: Promise<void> | undefined;
  private blockedUntil = 0;
  private readonly blockUnits: number;
  private readonly pollMs: number;
  private readonly outageBackoffMs: number;
  /** Units leased from the ledger and units given back, for the benchmark's account. */
  readonly stats = { leases: 0, leasedUnits: 0, givenBackUnits: 0, waits: 0, errors: 0 };

  constructor(
    private readonly ledger: BudgetLedgerPort,
    private readonly now: () => number = Date.now,
    options: SharedUnitBudgetOptions = {},
  ) {
    const { units, slots } = ledger.shape;
    this.blockUnits = options.blockUnits ?? Math.max(1, Math.floor(units / (slots + 1) / 4));
    this.pollMs = options.pollMs ?? 10;
    this.outageBackoffMs = options.outageBackoffMs ?? 1_000;
    this.onError = options.onError ?? (() => undefined);
  }

  private readonly onError: (error: unknown) => void;

  waitMs(units: number): number {
    const now = this.now();
    this.roll(now);
    if (this.pool.units >= units) return 0;
    if (!this.leasing && now >= this.blockedUntil) this.leasing = this.lease(units - this.pool.units);
    return this.leasing ? this.pollMs : Math.max(1, this.blockedUntil - now);
  }

  record(units: number): SlotEntry {
    this.roll(this.now());
    this.pool.units -= units;
    return { units, slot: this.pool.slot };
  }

  refund(entry: UnitEntry, units: number): void {
    const slot = (entry as SlotEntry).slot;
    entry.units -= units;
    this.roll(this.now());
    if (slot === this.pool.slot) this.pool.units += units;
    else this.addGiveBack(slot, units);
  }

  /** A new slot: what the last one left unspent goes back to the ledger with the next lease. */
  private roll(now: number): void {
    const slot = slotAt(this.ledger.shape, now);
    if (slot === this.pool.slot) return;
    if (this.pool.units > 0) this.addGiveBack(this.pool.slot, this.pool.units);
    this.pool = { slot, units: 0 };
  }

  private addGiveBack(slot: number, units: number): void {
    if (units <= 0 || slot < 0) return;
    this.giveBack.set(slot, (this.giveBack.get(slot) ?? 0) + units);
  }

  private async lease(shortfall: number): Promise<void> {
    // Settle after the caller has stored the promise, so `finally` below always clears it.
    await Promise.resolve();
    const giveBack = [...this.giveBack].map(([slot, units]) => ({ slot, units }));
    this.giveBack = new Map();
    try {
      const outcome = await this.ledger.lease({ want: shortfall + this.blockUnits, min: shortfall, giveBack });
      this.stats.givenBackUnits += giveBack.reduce((sum, back) => sum + back.units, 0);
      if (outcome.kind === 'wait') {
        this.stats.waits += 1;
        this.blockedUntil = this.now() + outcome.ms;
        return;
      }
      this.stats.leases += 1;
      this.stats.leasedUnits += outcome.units;
      this.roll(this.now());
      // A lease answered after its slot ended is spent already in the ledger: give it back, ask again.
      if (outcome.slot === this.pool.slot) this.pool.units += outcome.units;
      else this.addGiveBack(outcome.slot, outcome.units);
    } catch (error) {
      this.stats.errors += 1;
      for (const back of giveBack) this.addGiveBack(back.slot, back.units);
      this.blockedUntil = this.now() + this.outageBackoffMs;
      this.onError(error);
    } finally {
      this.leasing = undefined;
    }
  }
}
