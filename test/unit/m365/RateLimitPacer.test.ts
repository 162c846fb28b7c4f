import {
  RateLimitPacer,
  type BudgetReservation,
  type PaceDecision,
  type ReserveDecision,
} from '../../../src/m365/RateLimitPacer';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const rateLimit = (remaining: number, resetSeconds: number) =>
  new Headers({
    'RateLimit-Limit': '10',
    'RateLimit-Remaining': String(remaining),
    'RateLimit-Reset': String(resetSeconds),
  });

function reservationOf(decision: ReserveDecision): BudgetReservation {
  if (decision.kind !== 'reserved') throw new Error(`expected a reservation, got wait ${decision.ms} ms`);
  return decision.reservation;
}

function ticketOf(decision: PaceDecision): number {
  if (decision.kind !== 'send') throw new Error(`expected send, got wait ${decision.ms} ms`);
  return decision.ticket;
}

describe('RateLimitPacer', () => {
  it('lets every request go while no answer carried RateLimit headers', () => {
    const pacer = new RateLimitPacer(clock().now);
    for (let i = 0; i < 20; i++) expect(pacer.decide().kind).toBe('send');
  });

  it('spends the remaining budget, then waits until RateLimit-Reset', () => {
    const time = clock();
    const pacer = new RateLimitPacer(time.now);
    pacer.observe(ticketOf(pacer.decide()), rateLimit(2, 3));
    expect(pacer.decide().kind).toBe('send');
    expect(pacer.decide().kind).toBe('send');
    expect(pacer.decide()).toEqual({ kind: 'wait', ms: 3_000 });
    time.advance(1_000);
    expect(pacer.decide()).toEqual({ kind: 'wait', ms: 2_000 });
  });

  it('counts requests sent after the answered one against the budget it announced', () => {
    const pacer = new RateLimitPacer(clock().now);
    const first = ticketOf(pacer.decide());
    pacer.decide();
    pacer.decide();
    // The service answered the first request with 2 left, but two more requests are already on their way.
    pacer.observe(first, rateLimit(2, 1));
    expect(pacer.decide().kind).toBe('wait');
  });

  it('after the reset lets one request go first and holds the rest until its answer', () => {
    const time = clock();
    const pacer = new RateLimitPacer(time.now);
    pacer.observe(ticketOf(pacer.decide()), rateLimit(0, 1));
    time.advance(1_000);
    const probe = ticketOf(pacer.decide());
    expect(pacer.decide().kind).toBe('wait');
    pacer.observe(probe, rateLimit(3, 1));
    expect(pacer.decide().kind).toBe('send');
  });

  it('stops pacing when an answer comes back without the headers after the reset', () => {
    const time = clock();
    const pacer = new RateLimitPacer(time.now);
    pacer.observe(ticketOf(pacer.decide()), rateLimit(0, 1));
    time.advance(1_000);
    pacer.observe(ticketOf(pacer.decide()), new Headers());
    for (let i = 0; i < 5; i++) expect(pacer.decide().kind).toBe('send');
  });

  it('ignores a late answer without headers while a newer one says the budget is spent', () => {
    const pacer = new RateLimitPacer(clock().now);
    const early = ticketOf(pacer.decide());
    const late = ticketOf(pacer.decide());
    pacer.observe(late, rateLimit(0, 2));
    pacer.observe(early, new Headers());
    expect(pacer.decide()).toEqual({ kind: 'wait', ms: 2_000 });
  });

  describe('resource units', () => {
    it('spends each request its cost against a RateLimit-Remaining counted in units', () => {
      const pacer = new RateLimitPacer(clock().now);
      const first = ticketOf(pacer.decide(undefined, 4));
      pacer.decide(undefined, 4);
      // The service answered the first write with 10 units left; the second (4) is on its way: 6 remain.
      pacer.observe(first, rateLimit(10, 5));
      expect(pacer.decide(undefined, 4).kind).toBe('send');
      expect(pacer.decide(undefined, 4)).toEqual({ kind: 'wait', ms: 5_000 });
      expect(pacer.decide(undefined, 2).kind).toBe('send');
    });

    it('keeps its own account of the budget when no answer carries headers, throttled calls included', () => {
      const time = clock();
      const pacer = new RateLimitPacer(time.now, { units: 12, windowMs: 60_000 });
      for (let i = 0; i < 3; i++) pacer.observe(ticketOf(pacer.decide(undefined, 4)), new Headers());
      expect(pacer.decide(undefined, 4)).toEqual({ kind: 'wait', ms: 60_000 });
      time.advance(30_000);
      expect(pacer.decide(undefined, 2)).toEqual({ kind: 'wait', ms: 30_000 });
      time.advance(30_000);
      expect(pacer.decide(undefined, 4).kind).toBe('send');
    });

    it('holds a reservation in its own account and gives back what the work did not spend', () => {
      const time = clock();
      const pacer = new RateLimitPacer(time.now, { units: 28, windowMs: 60_000 });
      const photo = reservationOf(pacer.reserve(28));
      expect(pacer.reserve(4)).toEqual({ kind: 'wait', ms: 60_000 });
      // Four of its seven writes happened (a resumed photo); three were not needed.
      for (let i = 0; i < 4; i++) pacer.decide(photo, 4);
      pacer.release(photo);
      expect(pacer.reserve(12).kind).toBe('reserved');
      expect(pacer.decide(undefined, 2).kind).toBe('wait');
    });

    it('takes from the budget what a reservation did not plan for', () => {
      const pacer = new RateLimitPacer(clock().now, { units: 10, windowMs: 60_000 });
      const photo = reservationOf(pacer.reserve(4));
      expect(pacer.decide(photo, 4).kind).toBe('send');
      // The folder lookup (3) the reservation did not count comes from what is left (6).
      expect(pacer.decide(photo, 3).kind).toBe('send');
      expect(pacer.decide(undefined, 4)).toMatchObject({ kind: 'wait' });
    });
  });

  describe('reservations for a unit of work', () => {
    it('holds all the units or none: a photo does not start when the budget cannot finish it', () => {
      const time = clock();
      const pacer = new RateLimitPacer(time.now);
      pacer.observe(ticketOf(pacer.decide()), rateLimit(9, 4));
      reservationOf(pacer.reserve(7));
      // 2 left: a second photo of 7 waits for the reset, though a single request could still go.
      expect(pacer.reserve(7)).toEqual({ kind: 'wait', ms: 4_000 });
      expect(pacer.decide().kind).toBe('send');
    });

    it("lets the reservation's own requests go while others wait, and gives back what it did not use", () => {
      const time = clock();
      const pacer = new RateLimitPacer(time.now);
      pacer.observe(ticketOf(pacer.decide()), rateLimit(3, 4));
      const reservation = reservationOf(pacer.reserve(3));
      expect(pacer.decide().kind).toBe('wait');
      expect([pacer.decide(reservation).kind, pacer.decide(reservation).kind]).toEqual(['send', 'send']);
      pacer.release(reservation);
      // One unit unused: back in the budget for anyone.
      expect(pacer.decide().kind).toBe('send');
      expect(pacer.decide().kind).toBe('wait');
    });

    it('counts reserved units not yet sent against a budget an answer announces', () => {
      const time = clock();
      const pacer = new RateLimitPacer(time.now);
      // No headers yet: reservations are granted, and held.
      reservationOf(pacer.reserve(7));
      const ticket = ticketOf(pacer.decide());
      // The service says 8 left; 7 of them are promised to the reservation.
      pacer.observe(ticket, rateLimit(8, 5));
      expect(pacer.decide().kind).toBe('send');
      expect(pacer.decide().kind).toBe('wait');
    });

    it('lets one reservation probe a reset and holds the others until its first answer', () => {
      const time = clock();
      const pacer = new RateLimitPacer(time.now);
      pacer.observe(ticketOf(pacer.decide()), rateLimit(0, 1));
      time.advance(1_000);
      const probe = reservationOf(pacer.reserve(7));
      expect(pacer.reserve(7).kind).toBe('wait');
      pacer.observe(ticketOf(pacer.decide(probe)), new Headers());
      pacer.release(probe);
      expect(pacer.reserve(7).kind).toBe('reserved');
    });
  });
});
