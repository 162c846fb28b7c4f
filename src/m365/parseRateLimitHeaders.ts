// SharePoint Online sends the IETF RateLimit header fields (draft-03, still "beta" on SharePoint's side) once an app
// has used 80 % of its per-minute resource units, and with its 429s: `RateLimit-Limit` (the budget),
// `RateLimit-Remaining` (what is left of it) and `RateLimit-Reset` (delta-seconds until the quota resets).
// https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online
// https://datatracker.ietf.org/doc/html/draft-ietf-httpapi-ratelimit-headers-03
// Later drafts allow a list (`100, 100;w=60`): the first item is the one that applies now.

import { parseRetryAfter } from './parseRetryAfter';

export interface RateLimitInfo {
  limit: number | undefined;
  remaining: number;
  resetMs: number;
}

interface HeaderSource {
  get(name: string): string | null;
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
 * How long a 429/503 asks the caller to wait: `Retry-After` when the service sent one, else `RateLimit-Reset`
 * (SharePoint's own promise of when the budget comes back), else undefined (back off on our own).
 */
export function throttleDelayMs(headers: HeaderSource, now: Date = new Date()): number | undefined {
  return parseRetryAfter(headers.get('retry-after'), now) ?? parseRateLimitHeaders(headers)?.resetMs;
}
