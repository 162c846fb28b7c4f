import {
  headerSource,
  parseRateLimitHeaders,
  parseRetryAfter,
  throttleDelayMs,
} from '../../../src/m365/readThrottleHeaders';

describe('parseRetryAfter', () => {
  it('reads delta-seconds as milliseconds', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
  });

  it('reads an HTTP-date relative to now', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
  });

  it('never answers a negative wait for a date in the past', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('gives no hint for a missing or unreadable header', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
  });
});

const headers = (values: Record<string, string>) => new Headers(values);

describe('parseRateLimitHeaders', () => {
  it('reads the limit, what is left and the seconds to reset as SharePoint sends them', () => {
    expect(
      parseRateLimitHeaders(
        headers({ 'RateLimit-Limit': '1200', 'RateLimit-Remaining': '120', 'RateLimit-Reset': '5' }),
      ),
    ).toEqual({ limit: 1200, remaining: 120, resetMs: 5_000 });
  });

  it('takes the first item of a later draft list form', () => {
    expect(
      parseRateLimitHeaders(
        headers({ 'RateLimit-Limit': '100, 100;w=60', 'RateLimit-Remaining': '3', 'RateLimit-Reset': '7' }),
      ),
    ).toEqual({ limit: 100, remaining: 3, resetMs: 7_000 });
  });

  it('gives nothing when Remaining or Reset is missing or unreadable', () => {
    expect(parseRateLimitHeaders(headers({}))).toBeUndefined();
    expect(parseRateLimitHeaders(headers({ 'RateLimit-Remaining': '0' }))).toBeUndefined();
    expect(parseRateLimitHeaders(headers({ 'RateLimit-Remaining': '-1', 'RateLimit-Reset': '5' }))).toBeUndefined();
    expect(parseRateLimitHeaders(headers({ 'RateLimit-Remaining': '0', 'RateLimit-Reset': 'soon' }))).toBeUndefined();
  });

  it('leaves the limit out when only it is unreadable', () => {
    expect(parseRateLimitHeaders(headers({ 'RateLimit-Remaining': '0', 'RateLimit-Reset': '2' }))).toEqual({
      limit: undefined,
      remaining: 0,
      resetMs: 2_000,
    });
  });
});

describe('throttleDelayMs', () => {
  it('takes the greater of Retry-After and RateLimit-Reset, as SharePoint asks', () => {
    expect(throttleDelayMs(headers({ 'Retry-After': '3', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '9' }))).toBe(
      9_000,
    );
    expect(throttleDelayMs(headers({ 'Retry-After': '12', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '9' }))).toBe(
      12_000,
    );
    expect(throttleDelayMs(headers({ 'Retry-After': '4' }))).toBe(4_000);
  });

  it('uses RateLimit-Reset for a 429 that came without Retry-After', () => {
    expect(throttleDelayMs(headers({ 'RateLimit-Remaining': '0', 'RateLimit-Reset': '9' }))).toBe(9_000);
  });

  it('has no hint when neither header is there', () => {
    expect(throttleDelayMs(headers({}))).toBeUndefined();
  });
});

describe('headerSource', () => {
  it("reads a $batch item's plain headers case-insensitively, so the same reader serves them", () => {
    expect(throttleDelayMs(headerSource({ 'Retry-After': '7' }))).toBe(7_000);
    expect(throttleDelayMs(headerSource({ 'retry-after': '3' }))).toBe(3_000);
    expect(throttleDelayMs(headerSource(undefined))).toBeUndefined();
  });
});
