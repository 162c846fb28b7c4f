// The blob trigger's reports of uploads it gave up on (`webjobs-blobtrigger-poison` in the photos account), as the
// retryParkedUploads use case reads them: received a batch at a time under a lease, deleted once the photo has its
// outcome, hidden for longer after a retry that failed again.

import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { ParkedReportMessage } from '../pipeline/ingest/retryParkedUploads';
import { blobTriggerPoisonQueue } from './names';

export interface ParkedQueueMessage extends ParkedReportMessage {
  messageId: string;
  popReceipt: string;
}

/** The most a queue hands out per receive. */
const BATCH = 32;
/** The service caps a message's visibility timeout at 7 days. */
const MAX_VISIBILITY_SECONDS = 7 * 24 * 60 * 60;

export class ParkedUploadQueue {
  readonly batchSize: number;
  readonly #queue: QueueClient;
  readonly #leaseSeconds: number;

  /**
   * `leaseSeconds`: how long a received report stays hidden while its retry runs. The wait between retries
   * (INGEST_PARKED_RETRY_SECONDS) serves: a run that dies with reports in hand gives them back after the same wait
   * as a retry that failed, and a retry that outlives it is at worst repeated by the next run (ingest is idempotent).
   */
  constructor(photoQueues: QueueServiceClient, options: { leaseSeconds: number; batchSize?: number }) {
    this.#queue = photoQueues.getQueueClient(blobTriggerPoisonQueue);
    this.batchSize = Math.min(BATCH, Math.max(1, options.batchSize ?? 8));
    this.#leaseSeconds = Math.max(1, Math.round(options.leaseSeconds));
  }

  async receive(): Promise<ParkedQueueMessage[]> {
    // The host creates the queue with its first report; none yet means nothing is parked.
    if (!(await this.#queue.exists())) return [];
    const { receivedMessageItems } = await this.#queue.receiveMessages({
      numberOfMessages: this.batchSize,
      visibilityTimeout: this.#leaseSeconds,
    });
    return receivedMessageItems.map((m) => ({
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      text: m.messageText,
      dequeueCount: m.dequeueCount,
    }));
  }

  async dismiss(message: ParkedQueueMessage): Promise<void> {
    await this.#queue.deleteMessage(message.messageId, message.popReceipt);
  }

  async postpone(message: ParkedQueueMessage, seconds: number): Promise<void> {
    // Without new text the message keeps its own; only when it is next visible changes.
    await this.#queue.updateMessage(
      message.messageId,
      message.popReceipt,
      undefined,
      Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.round(seconds))),
    );
  }
}
