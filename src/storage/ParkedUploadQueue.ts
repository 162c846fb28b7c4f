// The blob trigger's reports of uploads it gave up on (`webjobs-blobtrigger-poison` in the photos account), as the
// retryParkedUploads use case reads them: received a batch at a time under a lease, deleted once the photo has its
// outcome, hidden for longer after a retry that failed again.

import { RestError, type QueueClient, type QueueServiceClient } from '@azure/storage-queue';
import type { ParkedReportMessage } from '../pipeline/ingest/retryParkedUploads';
import { blobTriggerPoisonQueue } from './names';
import { decodeQueueMessage } from './queueMessageEncoding';

export interface ParkedQueueMessage extends ParkedReportMessage {
  messageId: string;
  popReceipt: string;
}

/** Reports retried at once: each is an ingest, so a few, as the blob trigger's own concurrency would allow. */
const BATCH_SIZE = 8;

/**
 * A report's body: base64 JSON, the host's default encoding (and ours, queueMessageEncoding), or plain JSON from a
 * host configured otherwise; undefined when it is neither.
 */
export function decodeParkedReport(text: string): unknown {
  try {
    return decodeQueueMessage(text);
  } catch {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
}

export class ParkedUploadQueue {
  readonly #queue: QueueClient;
  readonly #leaseSeconds: number;

  /**
   * `leaseSeconds`: how long a received report stays hidden while its retry runs. The wait between retries
   * (INGEST_PARKED_RETRY_SECONDS) serves: a run that dies with reports in hand gives them back after the same wait
   * as a retry that failed, and a retry that outlives it is at worst repeated by the next run (ingest is idempotent).
   */
  constructor(photoQueues: QueueServiceClient, options: { leaseSeconds: number }) {
    this.#queue = photoQueues.getQueueClient(blobTriggerPoisonQueue);
    this.#leaseSeconds = Math.max(1, Math.round(options.leaseSeconds));
  }

  async receive(): Promise<ParkedQueueMessage[]> {
    try {
      const { receivedMessageItems } = await this.#queue.receiveMessages({
        numberOfMessages: BATCH_SIZE,
        visibilityTimeout: this.#leaseSeconds,
      });
      return receivedMessageItems.map((m) => ({
        messageId: m.messageId,
        popReceipt: m.popReceipt,
        body: decodeParkedReport(m.messageText),
        dequeueCount: m.dequeueCount,
      }));
    } catch (error) {
      // The host creates the queue with its first report; none yet means nothing is parked.
      if (error instanceof RestError && error.statusCode === 404) return [];
      throw error;
    }
  }

  async dismiss(message: ParkedQueueMessage): Promise<void> {
    await this.#queue.deleteMessage(message.messageId, message.popReceipt);
  }

  /** Hides the report for `seconds` (at most 6 hours, retryParkedUploads); it keeps its text. */
  async postpone(message: ParkedQueueMessage, seconds: number): Promise<void> {
    await this.#queue.updateMessage(message.messageId, message.popReceipt, undefined, Math.max(0, Math.round(seconds)));
  }
}
