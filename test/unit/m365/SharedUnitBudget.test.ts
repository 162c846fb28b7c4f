import {
  leaseUnits,
  type BudgetShape,
  type LeaseOutcome,
  type LeaseRequest,
  type LedgerSlots,
} from '../../../src/m365/budgetLedger';
import { RateLimitPacer } from '../../../src/m365/RateLimitPacer';
import { SharedUnitBudget, type BudgetLedgerPort } from '../../../src/m365/SharedUnitBudget';

const shape: BudgetShape = { units: 100, windowMs: 10_000, slots: 10 };

/** The ledger's arithmetic in memory, answering when told to (so a test sees the pool between ask and answer). */
class MemoryLedger implements BudgetLedgerPort {
  readonly shape = shape;
  slots: LedgerSlots = {};
  readonly requests: Array<Omit<LeaseRequest, 'now'>> = [];
  failNext = false;
  constructor(private readonly now: () => number) {}
  lease(request: Omit<LeaseRequest, 'now'>): Promise<LeaseOutcome> {
    this.requests.push(request);
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('storage unreachable'));
    }
    const outcome = leaseUnits(shape, this.slots, { ...request, now: this.now() });
    this.slots = outcome.slots;
    return Promise.resolve(outcome);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedUnitBudget', () => {
  let now: number;
  let ledger: MemoryLedger;
  beforeEach(() => {
    now = 5_000;
    ledger = new MemoryLedger(() => now);
  });

  it('leases the shortfall plus a block once, then spends from memory without asking again', async () => {
    const budget = new SharedUnitBudget(ledger, () => now, { blockUnits: 20, pollMs: 5 });
    expect(budget.waitMs(10)).toBe(5);
    await settle();
    expect(ledger.requests).toEqual([{ want: 30, min: 10, giveBack: [] }]);
    expect(budget.waitMs(10)).toBe(0);
    budget.record(10);
    expect(budget.waitMs(20)).toBe(0);
    budget.record(20);
    expect(ledger.requests).toHaveLength(1);
    expect(ledger.slots).toEqual({ '5': 30 });
  });

  it('gives back what a slot left unspent with its next lease', async () => {
    const budget = new SharedUnitBudget(ledger, () => now, { blockUnits: 20 });
    budget.waitMs(10);
    await settle();
    budget.record(10);
    now = 6_100;
    budget.waitMs(10);
    await settle();
    expect(ledger.requests[1]).toEqual({ want: 30, min: 10, giveBack: [{ slot: 5, units: 20 }] });
    expect(ledger.slots).toEqual({ '5': 10, '6': 30 });
  });

  it('refunds a reservation into the pool within its slot, and to the ledger after it', async () => {
    const budget = new SharedUnitBudget(ledger, () => now, { blockUnits: 0 });
    budget.waitMs(30);
    await settle();
    const entry = budget.record(30);
    budget.refund(entry, 10);
    expect(budget.waitMs(10)).toBe(0);
    const second = budget.record(10);
    now = 7_000;
    budget.refund(second, 4);
    budget.waitMs(1);
    await settle();
    expect(ledger.requests[1]?.giveBack).toEqual([{ slot: 5, units: 4 }]);
  });

  it('waits until the slot with room when the ledger is full, without asking in between', async () => {
    ledger.slots = { '5': 95 };
    const budget = new SharedUnitBudget(ledger, () => now, { blockUnits: 0 });
    budget.waitMs(10);
    await settle();
    expect(budget.waitMs(10)).toBe(16_000 - 5_000);
    now = 10_000;
    expect(budget.waitMs(10)).toBe(6_000);
    expect(ledger.requests).toHaveLength(1);
  });

  it('holds requests back for a while when the ledger cannot be reached, and keeps what it owed', async () => {
    const errors: unknown[] = [];
    const budget = new SharedUnitBudget(ledger, () => now, {
      blockUnits: 0,
      outageBackoffMs: 2_000,
      onError: (e) => errors.push(e),
    });
    ledger.failNext = true;
    budget.waitMs(10);
    await settle();
    expect(errors).toHaveLength(1);
    expect(budget.waitMs(10)).toBe(2_000);
    now = 7_000;
    budget.waitMs(10);
    await settle();
    expect(budget.waitMs(10)).toBe(0);
  });

  it('serves as a RateLimitPacer account: a reservation waits for the lease, then goes', async () => {
    const budget = new SharedUnitBudget(ledger, () => now, { blockUnits: 0, pollMs: 5 });
    const pacer = new RateLimitPacer(() => now, budget);
    expect(pacer.reserve(28)).toEqual({ kind: 'wait', ms: 5 });
    await settle();
    const decision = pacer.reserve(28);
    expect(decision.kind).toBe('reserved');
    if (decision.kind !== 'reserved') return;
    expect(pacer.decide(decision.reservation, 4).kind).toBe('send');
    pacer.release(decision.reservation);
    // 24 unused units are back in the pool: a second photo needs only 4 more from the ledger.
    expect(pacer.reserve(28)).toEqual({ kind: 'wait', ms: 5 });
    await settle();
    expect(ledger.requests.at(-1)).toMatchObject({ want: 4, min: 4 });
  });
});
