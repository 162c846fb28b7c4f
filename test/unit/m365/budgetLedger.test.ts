import { leaseUnits, slotAt, type BudgetShape, type LedgerSlots } from '../../../src/m365/budgetLedger';

// 100 units per 10 s, in 1-second slots: a lease in slot i weighs slots i-10…i.
const shape: BudgetShape = { units: 100, windowMs: 10_000, slots: 10 };

describe('leaseUnits', () => {
  it('grants what is wanted while the window has room and records it in the current slot', () => {
    const outcome = leaseUnits(shape, {}, { now: 5_500, want: 30, min: 10 });
    expect(outcome).toEqual({ kind: 'granted', units: 30, slot: 5, slots: { '5': 30 } });
  });

  it('grants less than wanted, but not less than the minimum', () => {
    const ledger: LedgerSlots = { '3': 80 };
    expect(leaseUnits(shape, ledger, { now: 5_000, want: 30, min: 10 })).toMatchObject({ kind: 'granted', units: 20 });
    expect(leaseUnits(shape, { '3': 95 }, { now: 5_000, want: 30, min: 10 }).kind).toBe('wait');
  });

  it('waits until the slot that holds the units falls out of the k+1 slots weighed', () => {
    // Slot 3 holds 95; at slot 13 (13-10 = 3) it still counts, at slot 14 it no longer does.
    const outcome = leaseUnits(shape, { '3': 95 }, { now: 5_200, want: 30, min: 10 });
    expect(outcome).toEqual({ kind: 'wait', ms: 14_000 - 5_200, slots: { '3': 95 } });
  });

  it('drops slots that no longer count', () => {
    const outcome = leaseUnits(shape, { '1': 100, '20': 5 }, { now: 20_100, want: 10, min: 10 });
    expect(outcome).toEqual({ kind: 'granted', units: 10, slot: 20, slots: { '20': 15 } });
  });

  it('takes give-backs off their slots before weighing the lease', () => {
    const outcome = leaseUnits(
      shape,
      { '4': 60, '5': 40 },
      {
        now: 5_100,
        want: 30,
        min: 30,
        giveBack: [
          { slot: 4, units: 25 },
          { slot: 5, units: 40 },
          { slot: 99, units: 7 },
        ],
      },
    );
    expect(outcome).toEqual({ kind: 'granted', units: 30, slot: 5, slots: { '4': 35, '5': 30 } });
  });

  it('lets a request larger than the whole budget go alone once nothing else counts', () => {
    expect(leaseUnits(shape, { '5': 1 }, { now: 5_000, want: 150, min: 150 }).kind).toBe('wait');
    expect(leaseUnits(shape, {}, { now: 5_000, want: 150, min: 150 })).toMatchObject({ kind: 'granted', units: 150 });
  });

  it('never lets any span of one window hold more than the budget, whatever the demand', () => {
    // Greedy lessees at random times within each slot; every span of windowMs starting anywhere stays within budget.
    let ledger: LedgerSlots = {};
    const grants: Array<{ at: number; units: number }> = [];
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let now = 0; now < 60_000; now += Math.floor(random() * 300)) {
      const want = 1 + Math.floor(random() * 25);
      const outcome = leaseUnits(shape, ledger, { now, want, min: Math.min(want, 5) });
      ledger = outcome.slots;
      if (outcome.kind === 'granted') {
        // Spent any time within its slot.
        const slotStart = outcome.slot * 1_000;
        grants.push({ at: Math.max(now, slotStart + Math.floor(random() * 1_000)), units: outcome.units });
      }
    }
    let worst = 0;
    for (let start = 0; start < 60_000; start += 50) {
      const inSpan = grants.filter((g) => g.at >= start && g.at < start + shape.windowMs);
      worst = Math.max(
        worst,
        inSpan.reduce((sum, g) => sum + g.units, 0),
      );
    }
    expect(worst).toBeLessThanOrEqual(shape.units);
    // And the ceiling is used: at least k/(k+1) less a slot's rounding over the run.
    const total = grants.reduce((sum, g) => sum + g.units, 0);
    expect(total).toBeGreaterThan(0.8 * shape.units * 6);
  });

  it('numbers slots from the epoch, so every instance agrees on them', () => {
    expect(slotAt(shape, 0)).toBe(0);
    expect(slotAt(shape, 999)).toBe(0);
    expect(slotAt(shape, 1_000)).toBe(1);
  });
});
