// Every Microsoft 365 call goes through one chain of named policies (src/m365/policies):
//   auth → user agent → retry → pacing → timeout → transport
// - auth: an app-only bearer token for the target origin, once per call (its retries reuse it);
// - user agent: `NONISV|{company}|{app}/{version}`, which SharePoint asks for so throttling can tell apps apart;
// - retry: 429/503/504 and unanswered calls, Retry-After slept exactly, long waits handed back to the queue;
// - pacing: each try waits its turn under SharePoint's RateLimit budget and teaches the pacer from its answer (below
//   retry so that a retried try is paced and observed like any other);
// - timeout: a fresh AbortSignal per try;
// - transport: fetch, with "no answer" mapped to a retryable M365RequestError.
// A unit of work that needs several calls (a SharePoint photo) reserves them together (`withReservedRequests`) and
// passes the reservation with each of its calls: the adapter holds it, nothing is carried in async context.

import type { M365Auth } from './M365Auth';
import { m365ErrorFromResponse, type M365Service } from './M365RequestError';
import type { BudgetReservation, PacerBudget, UnitAccount } from './RateLimitPacer';
import { authPolicy } from './policies/authPolicy';
import { fetchTransport } from './policies/fetchTransport';
import { chainPolicies, type M365Policy, type SendRequest } from './policies/M365Policy';
import { pacingPolicy, type PacingPolicy } from './policies/pacingPolicy';
import { retryPolicy, type M365RetryOptions } from './policies/retryPolicy';
import { timeoutPolicy } from './policies/timeoutPolicy';
import { userAgentPolicy } from './policies/userAgentPolicy';

export interface M365TransportOptions {
  auth: M365Auth;
  userAgent: string;
  retry: M365RetryOptions;
  /** Wait for RateLimit-Reset when RateLimit-Remaining is spent (default true; false only to measure the difference). */
  paceByRateLimitHeaders?: boolean;
  /**
   * SharePoint's per-app budget, accounted for by the pacer when no headers say more (see RateLimitPacer): this
   * process's own, or a share of one leased by every instance (SharedUnitBudget).
   */
  sharePointBudget?: PacerBudget | UnitAccount | undefined;
  /** What finally sends (default fetch); tests put a scripted service here. */
  transport?: SendRequest;
}

export interface M365RequestInit {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: RequestInit['body'];
  /** The unit of work's reservation this call spends (from withReservedRequests). */
  reservation?: BudgetReservation | undefined;
}

export class M365Transport {
  /** The chain's policies by name, outermost first (for diagnostics and tests). */
  readonly policies: readonly M365Policy[];
  private readonly pacing: PacingPolicy | undefined;
  private readonly chain: SendRequest;

  constructor(options: M365TransportOptions) {
    this.pacing =
      options.paceByRateLimitHeaders === false
        ? undefined
        : pacingPolicy({ ...options.retry, sharePointBudget: options.sharePointBudget });
    this.policies = [
      authPolicy(options.auth),
      userAgentPolicy(options.userAgent),
      retryPolicy(options.retry),
      ...(this.pacing ? [this.pacing] : []),
      timeoutPolicy(options.retry.timeoutMs),
    ];
    this.chain = chainPolicies(this.policies, options.transport ?? fetchTransport);
  }

  /** The last response after retries, successful or not. Throws M365RequestError when nothing answered. */
  send(service: M365Service, url: string, init: M365RequestInit = {}): Promise<Response> {
    return this.chain({
      service,
      url,
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      ...(init.body !== undefined && init.body !== null ? { body: init.body } : {}),
      ...(init.reservation ? { reservation: init.reservation } : {}),
    });
  }

  /**
   * Runs `work`, which sends calls costing up to `units` to `origin` (a `service` host) passing the reservation it is
   * given, once the service's known budget can take all of them, so it is not throttled half-way (see
   * RateLimitPacer). Without pacing it just runs, with no reservation.
   */
  withReservedRequests<T>(
    service: M365Service,
    origin: string,
    units: number,
    work: (reservation: BudgetReservation | undefined) => Promise<T>,
  ): Promise<T> {
    if (!this.pacing) return work(undefined);
    return this.pacing.reserve(service, origin, units, work);
  }

  /** Like send, but a non-2xx answer becomes an M365RequestError. */
  async request(service: M365Service, url: string, init: M365RequestInit = {}): Promise<Response> {
    const response = await this.send(service, url, init);
    if (!response.ok) throw await m365ErrorFromResponse(service, response);
    return response;
  }
}
