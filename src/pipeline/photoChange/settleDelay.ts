// A notification can overtake the write that caused it: Graph (and the emulator) notify as soon as our Exchange
// writer's PUT lands, before that writer has read and recorded the new mediaEtag. Processing the echo in that
// window would see an unknown etag and write SharePoint a second time (never a loop, but a visible duplicate; with
// PHOTO_AUTHORITY=hr a redundant forced Exchange write). So a notification younger than the settle time is put back
// on the queue until it is that old; the reconcile timer's changes are old news and go straight through.

import type { PhotoChange } from '../messages/messageContracts';

export const NOTIFICATION_SETTLE_MS = 3_000;

/** Milliseconds to wait before processing `change`; 0 to process it now. */
export function settleDelay(change: PhotoChange, now: Date, settleMs = NOTIFICATION_SETTLE_MS): number {
  if (change.source !== 'notification') return 0;
  const receivedAt = Date.parse(change.receivedAt);
  if (!Number.isFinite(receivedAt)) return 0;
  const age = now.getTime() - receivedAt;
  return age >= settleMs ? 0 : Math.min(settleMs, settleMs - age);
}
