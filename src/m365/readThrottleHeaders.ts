// The one reader of what Microsoft 365 says about throttling, for every caller (the retry and pacing policies, the
// Graph SDK's errors, `$batch` items, the error type):
// - `Retry-After` is delta-seconds or an HTTP-date (RFC 9110 §10.2.3); Graph and SharePoint send seconds, but proxies
//   and gateways in front of them may send a date. Anything unparsable means "no hint".
// - SharePoint Online sends the IETF RateLimit header fields (draft-03, still "beta" on SharePoint's side) once an
//   app has used 80 % of its per-minute resource units, and with its 429s: `RateLimit-Limit` (the budget),
//   `RateLimit-Remaining` (what is left of it) and `RateLimit-Reset` (delta-seconds until the quota resets). Later
//   drafts allow a list (`100, 100;w=60`): the first item is the one that applies now.
// https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online
// https://datatracker.ietf.org/doc/html/draft-ietf-httpapi-ratelimit-headers-03

export interface RateLimitInfo {
  limit: number | undefined;
  remaining: number;
  resetMs: number;
}

/** Response headers, or a `$batch` item's plain header object (read case-insensitively). */
export interface HeaderSource {
  get(name: string): string | null;
}

export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date always names the day and month; Date.parse alone would accept "-5" as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

function firstNumber(value: string | null): number | undefined {
  const first = value?.split(',')[0]?.split(';')[0]?.trim();
  if (!first || !/^\d+(\.\d+)?$/.test(first)) return undefined;
  return Number(first);
}

/** The RateLimit fields of an answer; undefined unless both Remaining and Reset are there and readable. */
export function parseRateLimitHeaders(headers: HeaderSource): RateLimitInfo | undefined {
  const remaining = firstNumber(headers.get('ratelimit-remaining'));
  const reset = firstNumber(headers.get('ratelimit-reset'));
  if (remaining === undefined || reset === undefined) return undefined;
  return { limit: firstNumber(headers.get('ratelimit-limit')), remaining, resetMs: Math.round(reset * 1000) };
}

/**
 * How long a 429/503 asks the caller to wait: the greater of `Retry-After` and `RateLimit-Reset` (SharePoint's own
 * promise of when the budget comes back) when both came, as SharePoint's throttling guidance says; either alone when
 * only one did; undefined when neither (back off on our own).
 */
export function throttleDelayMs(headers: HeaderSource, now: Date = new Date()): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  const reset = parseRateLimitHeaders(headers)?.resetMs;
  if (retryAfter === undefined) return reset;
  return reset === undefined ? retryAfter : Math.max(retryAfter, reset);
}

/** A plain header object (a `$batch` item's `headers`) as a HeaderSource. */
export function headerSource(headers: Record<string, string> | undefined): HeaderSource {
  const lower = new Map(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  return { get: (name) => lower.get(name.toLowerCase()) ?? null };
}
