// The host's blob trigger queue, `azure-webjobs-blobtrigger-{hostId}` in the host's storage. On Azure the blob
// extension answers an Event Grid post only once it has written each event to this queue as a BlobTriggerMessage
// (BlobsExtensionConfigProvider.ProcessEventsAsync → BlobTriggerQueueWriter), and every instance of the app reads
// the queue (SharedBlobQueueListener): an event survives the instance that accepted it, and the instances share
// the work. A message is run against the blob as it is then (BlobQueueTriggerExecutor: no receipt, no ETag check;
// a blob that is gone, or a function the host does not have, ends the message), tried `poisonBlobThreshold` times
// without a pause, then reported on `webjobs-blobtrigger-poison`. While it runs the message stays hidden and its
// lease is renewed, so a host that dies leaves it to reappear for another.

import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { BlobInvocationSlots } from './BlobInvocationSlots';
import type { HostLogger } from './HostLogger';
import { defaultQueueLeaseMs } from './QueueTriggerListener';
import { renewMessageLease } from './renewMessageLease';
import type { StorageConnections } from './StorageConnections';
import { WakeableDelay, type TriggerListener } from './TriggerListener';

/** The extension's BlobTriggerMessage (the poison report has the same shape). */
export interface BlobTriggerMessage {
  Type: 'BlobTrigger';
  FunctionId: string;
  BlobType: string;
  ContainerName: string;
  BlobName: string;
  ETag: string;
}

/** What one run of a queued blob trigger message came to (BlobTriggerListener.runQueued). */
export type QueuedBlobOutcome = 'ran' | 'failed' | 'gone' | 'unreadable';

/** The blob trigger a message names: runs it, and reports it as poison once the tries are spent. */
export interface QueuedBlobTarget {
  /** The outcome, and the ETag of the version it ran on when it read one. */
  runQueued(
    container: string,
    blobName: string,
    attempt: number,
  ): Promise<{ outcome: QueuedBlobOutcome; etag?: string }>;
  reportPoison(container: string, blobName: string, etag: string, attempt: number): Promise<void>;
}

export function blobTriggerQueueName(hostId: string): string {
  return `azure-webjobs-blobtrigger-${hostId}`;
}

const maxMessagesPerReceive = 32;
const minPollingIntervalMs = 100;

export class BlobTriggerQueueListener implements TriggerListener {
  readonly #delay = new WakeableDelay();
  readonly #work = new Set<Promise<void>>();
  #inFlight = 0;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #queue: Promise<QueueClient> | undefined;
  #stopWaitingForSlots: () => void = () => undefined;

  constructor(
    private readonly options: {
      storage: StorageConnections;
      hostId: string;
      /** host.json `extensions.blobs.maxDegreeOfParallelism`, shared with the listing blob triggers. */
      slots: BlobInvocationSlots;
      logger: HostLogger;
      poisonBlobThreshold: number;
      /** The pause before a message whose blob could not be read is looked at again. */
      retryDelayMs: number;
      maxPollingIntervalMs: number;
      /** Default {@link defaultQueueLeaseMs}; the soak shortens it so a killed host's messages come back sooner. */
      leaseMs?: number;
      /** The blob trigger `Host.Functions.{name}` names, when this host has it. */
      target: (functionId: string) => QueuedBlobTarget | undefined;
    },
  ) {}

  get queueName(): string {
    return blobTriggerQueueName(this.options.hostId);
  }

  #queueClient(): Promise<QueueClient> {
    this.#queue ??= this.options.storage.existingQueue(undefined, this.queueName).catch((error: unknown) => {
      this.#queue = undefined;
      throw error;
    });
    return this.#queue;
  }

  /** Writes the message; the Event Grid webhook answers 202 only after this resolved for every event. */
  async enqueue(message: Omit<BlobTriggerMessage, 'Type'>): Promise<void> {
    const queue = await this.#queueClient();
    const body: BlobTriggerMessage = { Type: 'BlobTrigger', ...message };
    await queue.sendMessage(Buffer.from(JSON.stringify(body), 'utf8').toString('base64'));
    this.#delay.wake();
  }

  async start(): Promise<void> {
    const queue = await this.#queueClient();
    this.#stopWaitingForSlots = this.options.slots.onRelease(() => this.#delay.wake());
    this.#loop = this.#run(queue);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopWaitingForSlots();
    this.#delay.wake();
    await this.#loop;
    await Promise.all([...this.#work]);
  }

  async hasPendingWork(): Promise<boolean> {
    if (this.#inFlight > 0) return true;
    // Counts hidden messages too: one waiting out a retry delay, or a dead instance's lease, is still work.
    const properties = await (await this.#queueClient()).getProperties();
    return (properties.approximateMessagesCount ?? 0) > 0;
  }

  async #run(queue: QueueClient): Promise<void> {
    let delayMs = minPollingIntervalMs;
    while (!this.#stopped) {
      const free = this.options.slots.limit - this.options.slots.inUse;
      if (free <= 0) {
        // Woken when a slot is released.
        await this.#delay.wait(this.options.maxPollingIntervalMs);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const response = await queue.receiveMessages({
          numberOfMessages: Math.min(maxMessagesPerReceive, free),
          visibilityTimeout: this.#leaseSeconds,
        });
        messages = response.receivedMessageItems;
      } catch (error) {
        if (!this.#stopped)
          this.options.logger.log('warn', `polling ${this.queueName} failed`, { error: (error as Error).message });
      }
      for (const message of messages) {
        if (!this.options.slots.tryTake()) {
          // A listing blob trigger took the slot meanwhile: hand the message back at once.
          await this.#release(queue, message, 0);
          continue;
        }
        this.#inFlight += 1;
        const work: Promise<void> = this.#process(queue, message).finally(() => {
          this.#inFlight -= 1;
          this.#work.delete(work);
          this.options.slots.release();
        });
        this.#work.add(work);
      }
      delayMs = messages.length > 0 ? minPollingIntervalMs : Math.min(delayMs * 2, this.options.maxPollingIntervalMs);
      if (messages.length === 0) await this.#delay.wait(delayMs);
    }
  }

  get #leaseSeconds(): number {
    return Math.max(1, Math.ceil((this.options.leaseMs ?? defaultQueueLeaseMs) / 1000));
  }

  async #process(queue: QueueClient, received: DequeuedMessageItem): Promise<void> {
    const message = parseMessage(received.messageText);
    if (!message) {
      this.options.logger.log('error', `a message on ${this.queueName} is not a blob trigger message; deleted`, {
        messageId: received.messageId,
      });
      await this.#delete(queue, received, received.popReceipt);
      return;
    }
    const target = this.options.target(message.FunctionId);
    if (!target) {
      this.options.logger.log('warn', `blob trigger message ignored: no blob trigger named ${message.FunctionId}`, {
        blob: `${message.ContainerName}/${message.BlobName}`,
      });
      await this.#delete(queue, received, received.popReceipt);
      return;
    }
    const lease = { popReceipt: received.popReceipt };
    const stopRenewing = renewMessageLease(queue, received.messageId, lease, this.#leaseSeconds, (error) =>
      this.options.logger.log('warn', `renewing a message on ${this.queueName} failed`, { error: error.message }),
    );
    let outcome: QueuedBlobOutcome;
    let etag = message.ETag;
    try {
      const result = await target.runQueued(message.ContainerName, message.BlobName, received.dequeueCount);
      outcome = result.outcome;
      etag = result.etag ?? etag;
    } catch (error) {
      this.options.logger.log('warn', `running a blob trigger message failed`, {
        blob: `${message.ContainerName}/${message.BlobName}`,
        error: (error as Error).message,
      });
      outcome = 'unreadable';
    } finally {
      stopRenewing();
    }
    const current = { ...received, popReceipt: lease.popReceipt };
    if (outcome === 'ran' || outcome === 'gone') {
      await this.#delete(queue, current, lease.popReceipt);
      return;
    }
    // A blob that could not be read counts as a try, as on Azure (the executor's exception fails the message); the
    // report on the poison queue is what retryParkedUploads takes up once storage answers again.
    if (received.dequeueCount >= this.options.poisonBlobThreshold) {
      try {
        await target.reportPoison(message.ContainerName, message.BlobName, etag, received.dequeueCount);
        await this.#delete(queue, current, lease.popReceipt);
      } catch (error) {
        this.#warnFinishFailed(error);
      }
      return;
    }
    // A failed run is tried again at once, as the extension's internal queue hands it back (no visibility timeout);
    // an unreadable blob after host.json's visibility timeout, so a storage outage is no busy loop.
    await this.#release(queue, current, outcome === 'unreadable' ? this.options.retryDelayMs : 0);
  }

  async #delete(queue: QueueClient, message: DequeuedMessageItem, popReceipt: string): Promise<void> {
    await queue.deleteMessage(message.messageId, popReceipt).catch((error: unknown) => this.#warnFinishFailed(error));
  }

  async #release(queue: QueueClient, message: DequeuedMessageItem, delayMs: number): Promise<void> {
    await queue
      .updateMessage(message.messageId, message.popReceipt, undefined, Math.ceil(delayMs / 1000))
      .catch((error: unknown) => this.#warnFinishFailed(error));
  }

  #warnFinishFailed(error: unknown): void {
    // The message reappears when its lease runs out and is run again then (at least once, as on Azure).
    this.options.logger.log('warn', `finishing a message on ${this.queueName} failed`, {
      error: (error as Error).message,
    });
  }
}

function parseMessage(text: string): BlobTriggerMessage | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as Partial<BlobTriggerMessage>;
    const named = (key: keyof BlobTriggerMessage) => typeof value[key] === 'string' && value[key] !== '';
    return named('FunctionId') && named('ContainerName') && named('BlobName')
      ? (value as BlobTriggerMessage)
      : undefined;
  } catch {
    return undefined;
  }
}
