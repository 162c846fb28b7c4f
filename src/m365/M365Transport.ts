// Everything every Microsoft 365 call needs, in one place: an app-only bearer token for the target origin, the
// `User-Agent` SharePoint asks ISVs and tenants to send (`NONISV|{company}|{app}/{version}`, so throttling can
// tell apps apart), a timeout on every try, the shared retry policy, and pacing by SharePoint's RateLimit headers
// (one pacer per service: SharePoint's budget is per app per tenant, shared by the My Site and admin hosts).

import type { M365Auth } from './M365Auth';
import { m365ErrorFromResponse, type M365Service } from './M365RequestError';
import { sendWithRetry, withReservedRequests, type M365RetryOptions } from './M365RetryPolicy';
import { RateLimitPacer } from './RateLimitPacer';

export interface M365TransportOptions {
  auth: M365Auth;
  userAgent: string;
  retry: M365RetryOptions;
  /** Wait for RateLimit-Reset when RateLimit-Remaining is spent (default true; false only to measure the difference). */
  paceByRateLimitHeaders?: boolean;
}

export interface M365RequestInit {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: RequestInit['body'];
}

export class M365Transport {
  private readonly pacers = new Map<M365Service, RateLimitPacer>();

  constructor(private readonly options: M365TransportOptions) {}

  private pacerFor(service: M365Service): RateLimitPacer | undefined {
    if (this.options.paceByRateLimitHeaders === false) return undefined;
    let pacer = this.pacers.get(service);
    if (!pacer) {
      pacer = new RateLimitPacer();
      this.pacers.set(service, pacer);
    }
    return pacer;
  }

  /** The last response after retries, successful or not. Throws M365RequestError when nothing answered. */
  async send(service: M365Service, url: string, init: M365RequestInit = {}): Promise<Response> {
    const token = await this.options.auth.getToken(new URL(url).origin);
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${token}`);
    headers.set('User-Agent', this.options.userAgent);
    return sendWithRetry(
      (signal) =>
        fetch(url, {
          method: init.method ?? 'GET',
          headers,
          ...(init.body !== undefined && init.body !== null ? { body: init.body } : {}),
          signal,
        }),
      { ...this.options.retry, service, url, pacer: this.pacerFor(service) },
    );
  }

  /**
   * Runs `work`, which sends up to `requests` calls to `origin` (a `service` host), once the service's known budget
   * can take all of them, so it is not throttled half-way (see RateLimitPacer). Without pacing it just runs.
   */
  async withReservedRequests<T>(
    service: M365Service,
    origin: string,
    requests: number,
    work: () => Promise<T>,
  ): Promise<T> {
    const pacer = this.pacerFor(service);
    if (!pacer) return work();
    return withReservedRequests(pacer, requests, { ...this.options.retry, service, url: origin }, work);
  }

  /** Like send, but a non-2xx answer becomes an M365RequestError. */
  async request(service: M365Service, url: string, init: M365RequestInit = {}): Promise<Response> {
    const response = await this.send(service, url, init);
    if (!response.ok) throw await m365ErrorFromResponse(service, response);
    return response;
  }
}
