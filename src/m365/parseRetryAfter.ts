// `Retry-After` is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3); Graph and SharePoint send seconds, but
// proxies and gateways in front of them may send a date. Anything unparsable means "no hint".

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
