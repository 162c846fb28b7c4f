// Retry: the one short, in-process retry of every Microsoft 365 call (the msgraph-sdk RetryHandler's rules): only
// 429, 503, 504 and calls that got no answer are tried again; `Retry-After` (else SharePoint's RateLimit-Reset) is
// slept exactly, otherwise exponential backoff with full jitter. Long waits are not slept here: a wait beyond
// `maxInProcessWaitMs` ends the loop at once with the throttled answer, and the queue writer reschedules the message
// with that delay instead of holding a Functions worker (https://learn.microsoft.com/graph/throttling,
// https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online).
// A call that is one of a reservation's (a photo's calls, begun) sleeps the service's wait up to `maxPacedWaitMs`,
// a whole SharePoint window, so the calls already made are not repeated.
// Returns the last answer, successful or not (the transport's `request` turns a failure into an M365RequestError).

import { isM365RequestError } from '../M365RequestError';
import { throttleDelayMs } from '../readThrottleHeaders';
import type { M365Policy } from './M365Policy';

export interface RetryPolicyOptions {
  /** Tries in all, the first included. */
  maxTries: number;
  /** First backoff step; doubled each time, full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is handed back to the caller instead of slept. */
  maxInProcessWaitMs: number;
  /** Inside a reservation, and for a pacer's turn: the longest wait that is slept rather than handed back. */
  maxPacedWaitMs: number;
}

/** Every option of the chain's retry, pacing and timeout policies. */
export type M365RetryOptions = RetryPolicyOptions & {
  /** Per try; every call carries an AbortSignal with this timeout. */
  timeoutMs: number;
};

export const defaultRetryOptions: RetryPolicyOptions = {
  maxTries: 3,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  maxInProcessWaitMs: 5_000,
  // SharePoint's budget is per minute, so RateLimit-Reset is at most 60 s away (plus rounding to whole seconds).
  maxPacedWaitMs: 65_000,
};

const RETRIED_STATUSES = new Set([429, 503, 504]);

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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

export function retryPolicy(options: RetryPolicyOptions): M365Policy {
  return {
    name: 'retry',
    async send(request, next) {
      for (let tryNumber = 1; ; tryNumber++) {
        const last = tryNumber >= options.maxTries;
        let response: Response;
        try {
          response = await next(request);
        } catch (error) {
          // Only "no answer at all" is tried again; a pacer's hand-back (429 `rate-limit-paced`) goes to the caller.
          if (last || !(isM365RequestError(error) && error.status === 0)) throw error;
          await sleep(fullJitterBackoffMs(tryNumber, options));
          continue;
        }
        if (!RETRIED_STATUSES.has(response.status)) return response;
        const waitMs = throttleDelayMs(response.headers) ?? fullJitterBackoffMs(tryNumber, options);
        // Inside a reservation the unit of work has begun: handing the wait back would repeat what it already sent.
        const maxWaitMs = request.reservation ? options.maxPacedWaitMs : options.maxInProcessWaitMs;
        if (last || waitMs > maxWaitMs) return response;
        await response.body?.cancel();
        await sleep(waitMs);
      }
    },
  };
}
