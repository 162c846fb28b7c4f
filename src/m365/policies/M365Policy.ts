// Every Microsoft 365 call goes down one chain of named policies, each doing one thing and handing the request to
// the next: auth → user agent → retry → pacing → timeout → transport (see M365Transport for why in that order).
// A policy may change the request, call `next` (again, for a retry), or answer without calling it.

import type { M365Service } from '../M365RequestError';
import type { BudgetReservation } from '../RateLimitPacer';

export interface M365Request {
  service: M365Service;
  url: string;
  method: string;
  headers: Headers;
  body?: RequestInit['body'];
  /** Cancels the try: set per try by the timeout policy. */
  signal?: AbortSignal;
  /**
   * The budget this request spends, when it is one of a unit of work's calls (a SharePoint photo's seven): held by
   * the adapter that reserved it and passed with each of its calls, so the work is not stopped half-way.
   */
  reservation?: BudgetReservation;
}

export type SendRequest = (request: M365Request) => Promise<Response>;

export interface M365Policy {
  readonly name: string;
  send(request: M365Request, next: SendRequest): Promise<Response>;
}

/** The policies in order, the first outermost, over the transport that finally sends. */
export function chainPolicies(policies: readonly M365Policy[], transport: SendRequest): SendRequest {
  return policies.reduceRight<SendRequest>((next, policy) => (request) => policy.send(request, next), transport);
}
