// Keeps a received queue message hidden while its function runs, as the host does: the visibility is renewed at
// half-time, and each update hands out a new pop receipt, which `lease` carries to whoever finishes the message. A
// host that dies stops renewing, so its messages reappear within one lease.

import type { QueueClient } from '@azure/storage-queue';

/** Renews until the returned function is called. */
export function renewMessageLease(
  queue: QueueClient,
  messageId: string,
  lease: { popReceipt: string },
  leaseSeconds: number,
  onError: (error: Error) => void,
): () => void {
  const timer = setInterval(
    () => {
      queue.updateMessage(messageId, lease.popReceipt, undefined, leaseSeconds).then(
        (response) => {
          if (response.popReceipt) lease.popReceipt = response.popReceipt;
        },
        (error: unknown) => onError(error as Error),
      );
    },
    (leaseSeconds * 1000) / 2,
  );
  timer.unref();
  return () => clearInterval(timer);
}
