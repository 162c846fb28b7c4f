// Queue trigger with the Functions host's semantics: fetch up to `batchSize` messages, fetch again when the number
// in flight drops to `newBatchThreshold`, back off to `maxPollingInterval` while the queue is empty, hide a failed
// message for `visibilityTimeout`, and after `maxDequeueCount` tries copy it unchanged to `{queue}-poison`.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages

import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { RpcTypedData } from './coreTypes';
import type { FunctionInvoker } from './FunctionInvoker';
import type { RegisteredFunction } from './functionsCore';
import type { HostLogger } from './HostLogger';
import type { QueueHostOptions } from './readHostJson';
import { renewMessageLease } from './renewMessageLease';
import type { StorageConnections } from './StorageConnections';
import { WakeableDelay, type TriggerListener } from './TriggerListener';

/**
 * While a message is being processed it stays hidden this long, renewed at half-time while the function runs (the
 * host uses 10 minutes). A host that dies stops renewing, so its messages reappear within one lease.
 */
export const defaultQueueLeaseMs = 600_000;
const minPollingIntervalMs = 100;

/** A received message and the pop receipt of its latest renewal (each update hands out a new one). */
interface Lease {
  message: DequeuedMessageItem;
  popReceipt: string;
}

export class QueueTriggerListener implements TriggerListener {
  readonly #delay = new WakeableDelay();
  readonly #triggerName: string;
  readonly #connection: unknown;
  readonly #work = new Set<Promise<void>>();
  #inFlight = 0;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #queue: QueueClient | undefined;

  constructor(
    private readonly fn: RegisteredFunction,
    readonly queueName: string,
    private readonly options: {
      storage: StorageConnections;
      invoker: FunctionInvoker;
      logger: HostLogger;
      queues: QueueHostOptions;
      /** Default {@link defaultQueueLeaseMs}; the soak shortens it so a killed host's messages come back sooner. */
      leaseMs?: number;
    },
  ) {
    const [name, binding] = Object.entries(fn.metadata.bindings).find(([, b]) => b.type === 'queueTrigger') ?? [];
    this.#triggerName = name ?? '';
    this.#connection = binding?.connection;
  }

  async start(): Promise<void> {
    this.#queue = await this.options.storage.existingQueue(this.#connection, this.queueName);
    this.#loop = this.#run(this.#queue);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#delay.wake();
    await this.#loop;
    // Received messages are finished (deleted, released or poisoned) before storage may go away.
    await Promise.all([...this.#work]);
  }

  /** A message was just added to this queue by the host: poll now rather than after the back-off. */
  notifyNewMessages(): void {
    this.#delay.wake();
  }

  async hasPendingWork(): Promise<boolean> {
    if (this.#inFlight > 0) return true;
    if (!this.#queue) return false;
    // Counts hidden messages too, so a message waiting out its visibility timeout still counts as work.
    const properties = await this.#queue.getProperties();
    return (properties.approximateMessagesCount ?? 0) > 0;
  }

  async #run(queue: QueueClient): Promise<void> {
    const { batchSize, newBatchThreshold, maxPollingIntervalMs } = this.options.queues;
    let delayMs = minPollingIntervalMs;
    while (!this.#stopped) {
      if (this.#inFlight > newBatchThreshold) {
        await this.#delay.wait(maxPollingIntervalMs);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const response = await queue.receiveMessages({
          numberOfMessages: batchSize,
          visibilityTimeout: this.#leaseSeconds,
        });
        messages = response.receivedMessageItems;
      } catch (error) {
        if (!this.#stopped)
          this.options.logger.log('warn', `polling ${this.queueName} failed`, { error: (error as Error).message });
      }
      for (const message of messages) {
        this.#inFlight += 1;
        const work: Promise<void> = this.#process(queue, message).finally(() => {
          this.#inFlight -= 1;
          this.#work.delete(work);
          if (this.#inFlight <= newBatchThreshold) this.#delay.wake();
        });
        this.#work.add(work);
      }
      delayMs = messages.length > 0 ? minPollingIntervalMs : Math.min(delayMs * 2, maxPollingIntervalMs);
      if (messages.length === 0 || this.#inFlight > newBatchThreshold) await this.#delay.wait(delayMs);
    }
  }

  get #leaseSeconds(): number {
    return Math.max(1, Math.ceil((this.options.leaseMs ?? defaultQueueLeaseMs) / 1000));
  }

  #decode(text: string): string | undefined {
    if (this.options.queues.messageEncoding === 'none') return text;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
    return Buffer.from(text, 'base64').toString('utf8');
  }

  async #process(queue: QueueClient, message: DequeuedMessageItem): Promise<void> {
    const body = this.#decode(message.messageText);
    if (body === undefined) {
      // Not base64 although host.json says so: the host cannot hand it to the function, so it goes to poison.
      this.options.logger.log('error', `message on ${this.queueName} is not base64; moved to the poison queue`, {
        messageId: message.messageId,
      });
      await this.#poison(queue, message).catch((error: unknown) => this.#warnReleaseFailed(error));
      return;
    }
    const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });
    const lease: Lease = { message, popReceipt: message.popReceipt };
    const stopRenewing = renewMessageLease(queue, message.messageId, lease, this.#leaseSeconds, (error) =>
      this.options.logger.log('warn', `renewing a message on ${this.queueName} failed`, { error: error.message }),
    );
    let succeeded = false;
    try {
      await this.options.invoker.invoke(
        this.fn,
        {
          inputData: [{ name: this.#triggerName, data: { string: body } }],
          triggerMetadata: {
            QueueTrigger: { string: body },
            Id: { string: message.messageId },
            DequeueCount: json(message.dequeueCount),
            InsertionTime: json(message.insertedOn.toISOString()),
            ExpirationTime: json(message.expiresOn.toISOString()),
            NextVisibleTime: json(message.nextVisibleOn.toISOString()),
            PopReceipt: { string: message.popReceipt },
          },
        },
        { kind: 'queue', queueName: this.queueName, messageId: message.messageId, dequeueCount: message.dequeueCount },
      );
      succeeded = true;
    } catch {
      // The invoker has already reported the failure (event and log line).
    } finally {
      stopRenewing();
    }
    if (succeeded) {
      await queue
        .deleteMessage(message.messageId, lease.popReceipt)
        .catch((error: unknown) => this.#warnReleaseFailed(error));
    } else {
      await this.#fail(queue, { ...message, popReceipt: lease.popReceipt });
    }
  }

  #warnReleaseFailed(error: unknown): void {
    // The message reappears after the processing visibility timeout and is tried again then (at least once).
    this.options.logger.log('warn', `finishing a message on ${this.queueName} failed`, {
      error: (error as Error).message,
    });
  }

  async #fail(queue: QueueClient, message: DequeuedMessageItem): Promise<void> {
    try {
      if (message.dequeueCount >= this.options.queues.maxDequeueCount) {
        await this.#poison(queue, message);
        this.options.logger.log(
          'error',
          `${this.fn.metadata.name} gave up after ${message.dequeueCount} tries; moved to ${this.queueName}-poison`,
          {
            messageId: message.messageId,
          },
        );
      } else {
        const seconds = Math.ceil(this.options.queues.visibilityTimeoutMs / 1000);
        await queue.updateMessage(message.messageId, message.popReceipt, undefined, seconds);
      }
    } catch (error) {
      this.#warnReleaseFailed(error);
    }
  }

  async #poison(queue: QueueClient, message: DequeuedMessageItem): Promise<void> {
    const poison = await this.options.storage.existingQueue(this.#connection, `${this.queueName}-poison`);
    await poison.sendMessage(message.messageText);
    await queue.deleteMessage(message.messageId, message.popReceipt);
  }
}
