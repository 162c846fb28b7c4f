// Completing a queue message and re-enqueueing it with a visibility delay is how a writer waits out Retry-After
// without holding a worker or burning the host's dequeue count (host.json maxDequeueCount). Messages go through
// encodeQueueMessage (base64 JSON, as host.json says). A message that exhausted its attempts is parked in
// `{queue}-poison` (where the host would put it) with the cause beside the original payload.
// Visibility timeouts are capped by the service at 7 days: https://learn.microsoft.com/rest/api/storageservices/put-message

import type { QueueServiceClient } from '@azure/storage-queue';
import type { WriteReschedulePort } from '../pipeline/write/writePhotoToTarget';
import { poisonQueueName } from './names';
import { encodeQueueMessage } from './queueMessageEncoding';

const MAX_VISIBILITY_SECONDS = 7 * 24 * 60 * 60;

export interface DeadLetterCause {
  code: string;
  message: string;
}

export class WriteRescheduler {
  private readonly created = new Set<string>();

  constructor(
    private readonly queues: QueueServiceClient,
    private readonly options: { now?: () => Date } = {},
  ) {}

  async reschedule(queueName: string, message: object, options: { delayMs: number }): Promise<void> {
    const visibilityTimeout = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(options.delayMs / 1000)));
    await this.queues.getQueueClient(queueName).sendMessage(encodeQueueMessage(message), { visibilityTimeout });
  }

  async deadLetter(queueName: string, message: unknown, cause: DeadLetterCause): Promise<void> {
    const poison = this.queues.getQueueClient(poisonQueueName(queueName));
    if (!this.created.has(poison.name)) {
      await poison.createIfNotExists();
      this.created.add(poison.name);
    }
    const at = (this.options.now ?? (() => new Date()))().toISOString();
    // A malformed message may not even be an object: keep it whole under `payload`.
    const body = message && typeof message === 'object' && !Array.isArray(message) ? message : { payload: message };
    await poison.sendMessage(encodeQueueMessage({ ...body, deadLetter: { ...cause, at } }));
  }

  /** The port a writer use case needs, bound to its queue. */
  forQueue<M extends object>(queueName: string): WriteReschedulePort<M> {
    return {
      reschedule: (message, options) => this.reschedule(queueName, message, options),
      deadLetter: (message, cause) => this.deadLetter(queueName, message, cause),
    };
  }
}
