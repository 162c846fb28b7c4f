// Graph echoes the subscription's clientState in every notification; it is the only proof that a POST comes from
// our subscription. Compared in constant time so response timing leaks nothing about the secret: both sides are
// hashed first because `timingSafeEqual` needs equal lengths, and comparing lengths would leak the secret's length.
// https://learn.microsoft.com/graph/change-notifications-with-webhooks#processing-the-change-notification

import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function clientStateMatches(received: string | undefined, expected: string | undefined): boolean {
  if (expected === undefined || expected.length === 0) return false;
  const equal = timingSafeEqual(digest(received ?? ''), digest(expected));
  return equal && received !== undefined;
}
