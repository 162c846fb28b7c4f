// Pacing: waits for each try's turn under the service's RateLimit budget (RateLimitPacer, one per service: SharePoint's
// budget is per app per tenant, shared by the My Site and admin hosts) and teaches the pacer from every answer.
// Below the retry policy on purpose: every try, a retried one too, spends a unit and brings back fresh headers.
// The turn is slept up to `maxPacedWaitMs`, a whole SharePoint window: handing it back would not help, because the
// queue trigger would fetch the next messages at once and each would be handed back too, cycling the whole backlog
// through the queue once per window. Held writers instead keep the host from fetching more until the reset. A turn
// further away than that becomes a 429-like `rate-limit-paced` error carrying the wait, which the writers reschedule
// exactly like a Retry-After, with nothing sent.
// A unit of work reserves its calls up front (`reserve`, in the units they cost); the reservation travels on each of
// its requests. SharePoint calls cost resource units by kind (sharePointCallCost); Graph calls one each.

import { M365RequestError, type M365Service } from '../M365RequestError';
import { RateLimitPacer, type BudgetReservation, type PacerBudget, type UnitAccount } from '../RateLimitPacer';
import { sharePointCallCost, type SharePointCallCosts } from '../sharePointCallCost';
import type { M365Policy, M365Request, SendRequest } from './M365Policy';
import { sleep } from './retryPolicy';

export interface PacingPolicy extends M365Policy {
  /**
   * Runs `work` with a reservation of `units` of `service`'s known budget, once the pacer holds them; a wait beyond
   * `maxPacedWaitMs` is handed back as a 429-like `rate-limit-paced` error before anything was sent, so a caller that
   * reschedules repeats nothing. Unused units go back to the budget when `work` ends.
   */
  reserve<T>(
    service: M365Service,
    origin: string,
    units: number,
    work: (reservation: BudgetReservation) => Promise<T>,
  ): Promise<T>;
}

export interface PacingOptions {
  maxPacedWaitMs: number;
  /**
   * SharePoint's per-app budget in resource units per window, accounted for without headers (they are best effort);
   * or an account shared with other instances (SharedUnitBudget); undefined: pace by the headers alone.
   */
  sharePointBudget?: PacerBudget | UnitAccount | undefined;
  /** Resource units per SharePoint call kind (default `defaultSharePointCallCosts`). */
  sharePointCosts?: SharePointCallCosts | undefined;
}

export function pacingPolicy(options: PacingOptions): PacingPolicy {
  const pacers = new Map<M365Service, RateLimitPacer>();
  const pacerFor = (service: M365Service): RateLimitPacer => {
    let pacer = pacers.get(service);
    if (!pacer) {
      pacer = new RateLimitPacer(Date.now, service === 'sharepoint' ? options.sharePointBudget : undefined);
      pacers.set(service, pacer);
    }
    return pacer;
  };
  return {
    name: 'pacing',
    async send(request: M365Request, next: SendRequest): Promise<Response> {
      const pacer = pacerFor(request.service);
      const cost = request.service === 'sharepoint' ? sharePointCallCost(request, options.sharePointCosts) : 1;
      const turn = await waitForPacer(() => pacer.decide(request.reservation, cost), {
        ...options,
        service: request.service,
        url: request.url,
        what: 'Not sent',
      });
      let response: Response;
      try {
        response = await next(request);
      } catch (error) {
        pacer.forget(turn.ticket);
        throw error;
      }
      pacer.observe(turn.ticket, response.headers);
      return response;
    },
    async reserve(service, origin, units, work) {
      const pacer = pacerFor(service);
      const { reservation } = await waitForPacer(() => pacer.reserve(units), {
        ...options,
        service,
        url: origin,
        what: `Not started (${units} requests)`,
      });
      try {
        return await work(reservation);
      } finally {
        pacer.release(reservation);
      }
    },
  };
}

async function waitForPacer<D extends { kind: string }>(
  ask: () => D | { kind: 'wait'; ms: number },
  options: { maxPacedWaitMs: number; service: M365Service; url: string; what: string },
): Promise<D> {
  let waited = 0;
  for (;;) {
    const decision = ask();
    if (!isWait(decision)) return decision;
    if (waited + decision.ms > options.maxPacedWaitMs) {
      throw new M365RequestError({
        service: options.service,
        status: 429,
        code: 'rate-limit-paced',
        message:
          `${options.what}: ${new URL(options.url).origin} said the app's budget is spent (RateLimit-Remaining 0) ` +
          `until RateLimit-Reset, ${waited + decision.ms} ms away.`,
        retryAfterMs: waited + decision.ms,
        retryable: true,
      });
    }
    await sleep(decision.ms);
    waited += decision.ms;
  }
}

function isWait(decision: { kind: string }): decision is { kind: 'wait'; ms: number } {
  return decision.kind === 'wait';
}
