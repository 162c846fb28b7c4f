// The one short, in-process retry policy shared by the Graph and SharePoint clients (the msgraph-sdk RetryHandler's
// rules): only 429, 503, 504 and network failures are retried; `Retry-After` is slept exactly, otherwise exponential
// backoff with full jitter. Long waits are not slept here: a Retry-After beyond
// `maxInProcessWaitMs` ends the loop at once, and the queue writer reschedules the message with that delay instead
// of holding a Functions worker (https://learn.microsoft.com/graph/throttling,
// https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online).
// A 429/503 without Retry-After waits for SharePoint's RateLimit-Reset when it sent one. With a RateLimitPacer, each
// try (or a reservation of several) first waits for its turn (RateLimit-Remaining spent → until RateLimit-Reset).
// That wait is slept up to `maxPacedWaitMs`, a whole SharePoint window: handing it back would not help, because the
// queue trigger would fetch the next messages at once and each would be handed back too, cycling the whole backlog
// through the queue once per window (an invocation and two queue operations per photo each minute, and `attempt`
// counting up to the dead-letter limit). Held writers instead keep the host from fetching more until the reset. A
// turn further away than that becomes a 429-like `rate-limit-paced` error carrying the wait, which the writers
// reschedule exactly like a Retry-After. A request inside a reservation (a photo's calls, begun) sleeps a service's
// Retry-After up to `maxPacedWaitMs` too, so the calls already made are not repeated.

import {
  isM365RequestError,
  M365RequestError,
  m365ErrorFromNetworkFailure,
  type M365Service,
} from './M365RequestError';
import { throttleDelayMs } from './parseRateLimitHeaders';
import type { RateLimitPacer } from './RateLimitPacer';

export interface M365RetryOptions {
  /** Tries in all, the first included. */
  maxTries: number;
  /** First backoff step; doubled each time, full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is handed back to the caller instead of slept. */
  maxInProcessWaitMs: number;
  /** A wait for the pacer's turn (until RateLimit-Reset) longer than this is handed back instead of slept. */
  maxPacedWaitMs: number;
  /** Per try; every call carries an AbortSignal with this timeout. */
  timeoutMs: number;
}

export const defaultRetryOptions: Omit<M365RetryOptions, 'timeoutMs'> = {
  maxTries: 3,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  maxInProcessWaitMs: 5_000,
  // SharePoint's budget is per minute, so RateLimit-Reset is at most 60 s away (plus rounding to whole seconds).
  maxPacedWaitMs: 65_000,
};

const RETRIED_STATUSES = new Set([429, 503, 504]);

class RetryableAnswer extends Error {
  constructor(
    readonly response: Response,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${response.status}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sends with retries and returns the last response, successful or not (the caller turns a failure into an
 * M365RequestError). Throws an M365RequestError when no answer came back at all.
 */
export async function sendWithRetry(
  send: (signal: AbortSignal) => Promise<Response>,
  options: M365RetryOptions & { service: M365Service; url: string; pacer?: RateLimitPacer | undefined },
): Promise<Response> {
  const attempt = async (): Promise<Response> => {
    const ticket = options.pacer ? await waitForTurn(options.pacer, options) : undefined;
    let response: Response;
    try {
      response = await send(AbortSignal.timeout(options.timeoutMs));
    } catch (error) {
      throw m365ErrorFromNetworkFailure(options.service, options.url, error);
    }
    if (ticket !== undefined) options.pacer?.observe(ticket, response.headers);
    if (RETRIED_STATUSES.has(response.status)) {
      throw new RetryableAnswer(response, throttleDelayMs(response.headers));
    }
    return response;
  };
  for (let tryNumber = 1; ; tryNumber++) {
    try {
      return await attempt();
    } catch (error) {
      const last = tryNumber >= options.maxTries;
      if (error instanceof RetryableAnswer) {
        const waitMs = error.retryAfterMs ?? fullJitterBackoffMs(tryNumber, options);
        // Inside a reservation the unit of work has begun: handing the wait back would repeat what it already sent,
        // so it waits like a pacer turn would (a SharePoint Retry-After is at most its one-minute window).
        const maxWaitMs = options.pacer?.inReservation() ? options.maxPacedWaitMs : options.maxInProcessWaitMs;
        if (last || waitMs > maxWaitMs) return error.response;
        await error.response.body?.cancel();
        await sleep(waitMs);
        continue;
      }
      if (last || !(isM365RequestError(error) && error.status === 0)) throw error;
      await sleep(fullJitterBackoffMs(tryNumber, options));
    }
  }
}

/**
 * The delay before try `tryNumber + 1` when the service named none: exponential backoff with full jitter
 * (random between 0 and min(maxDelay, base * 2^(tryNumber - 1))), as the msgraph SDK's RetryHandler does. The loop is
 * written out rather than handed to a backoff package because a Retry-After must be slept exactly: a package's own
 * jittered step on top of it left writers idle while the service had room (measured by npm run bench:e2e).
 */
function fullJitterBackoffMs(tryNumber: number, options: { baseDelayMs: number; maxDelayMs: number }): number {
  return Math.round(Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (tryNumber - 1)));
}

/** Sleeps until the pacer lets this try go; a turn beyond `maxPacedWaitMs` in all is handed back as a 429. */
async function waitForTurn(
  pacer: RateLimitPacer,
  options: { maxPacedWaitMs: number; service: M365Service; url: string },
): Promise<number> {
  const decision = await waitForPacer(() => pacer.decide(), {
    ...options,
    what: 'Not sent',
  });
  return decision.ticket;
}

/**
 * Runs `work`, which sends up to `units` requests through `pacer`, once the pacer holds that many units of the known
 * budget for it; a wait beyond `maxPacedWaitMs` is handed back as a 429-like `rate-limit-paced` error before
 * anything was sent, so a caller that reschedules repeats nothing.
 */
export async function withReservedRequests<T>(
  pacer: RateLimitPacer,
  units: number,
  options: { maxPacedWaitMs: number; service: M365Service; url: string },
  work: () => Promise<T>,
): Promise<T> {
  const decision = await waitForPacer(() => pacer.reserve(units), {
    ...options,
    what: `Not started (${units} requests)`,
  });
  return pacer.runReserved(decision.reservation, work);
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
