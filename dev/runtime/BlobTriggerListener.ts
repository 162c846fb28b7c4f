// Blob trigger. On Azure the app uses `source: 'EventGrid'`: Event Grid posts each blob-created event to the
// host's webhook, the host writes it to its blob trigger queue, and whichever instance reads it runs the function on
// the blob as it is then (no receipt, no ETag check: a second event runs it again). Posted events take the same
// path here (BlobTriggerQueueListener, which calls `runQueued` and `reportPoison`).
// Azurite sends no events, so by default (`source: 'poll'`) the container is also listed every `pollIntervalMs`
// and each new blob version (ETag) is delivered once, guarded by receipts like the host's scanning trigger;
// `source: 'eventGrid'` turns listing off, so only posted events deliver, as under Core Tools and on Azure.
// A failing delivery is tried `extensions.blobs.poisonBlobThreshold` times (default 5), then reported on
// `webjobs-blobtrigger-poison`: the extension retries blob triggers through an internal queue whose dequeue count is
// that threshold, not `extensions.queues.maxDequeueCount`. The tries follow one another without a pause, as on
// Azure: the extension's internal queue is built with a default QueuesOptions, whose visibility timeout is zero
// (SharedBlobQueueListenerFactory.BlobsOptionsToQueuesOptions). Only a delivery that never reached the function (the
// blob could not be read, a receipt could not be claimed) waits `retryDelayMs`, so a storage outage is no busy loop.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob-trigger#poison-blobs

import { blobTriggerMetadata } from './blobTriggerMetadata';
import type { BlobInvocationSlots } from './BlobInvocationSlots';
import type { BlobPathPattern } from './BlobPathPattern';
import type { BlobReceiptStore, BlobVersion, ReceiptClaim } from './BlobReceiptStore';
import type { RpcInvocationResponse } from './coreTypes';
import type { FunctionInvoker } from './FunctionInvoker';
import type { QueuedBlobOutcome, QueuedBlobTarget } from './BlobTriggerQueueListener';
import type { RegisteredFunction } from './functionsCore';
import type { HostLogger } from './HostLogger';
import { LocalRuntimeError } from './LocalRuntimeError';
import { readBlobVersion, type BlobVersionContent } from './readBlobVersion';
import type { StorageConnections } from './StorageConnections';
import { WakeableDelay, type TriggerListener } from './TriggerListener';

export const blobPoisonQueue = 'webjobs-blobtrigger-poison';

/** How soon a version another instance is delivering is looked at again. */
const busyRetryMs = 5_000;

export interface BlobTriggerOptions {
  storage: StorageConnections;
  receipts: BlobReceiptStore;
  invoker: FunctionInvoker;
  logger: HostLogger;
  pollIntervalMs: number;
  /** host.json `extensions.blobs.maxDegreeOfParallelism`, shared by every blob-triggered function of the host. */
  slots: BlobInvocationSlots;
  /** host.json `extensions.blobs.poisonBlobThreshold`: tries before the blob is reported as poison. */
  poisonBlobThreshold: number;
  /** The pause before looking again at a delivery that did not reach the function (not a try). */
  retryDelayMs: number;
  /** `poll` (default): list the container too, since Azurite sends no events. `eventGrid`: posted events only. */
  source?: 'poll' | 'eventGrid';
  /**
   * Stands in for an Event Grid advanced filter on `data.contentLength` (infra/hooks/postdeploy.*): a listed blob
   * larger than this is not delivered. Posted events are delivered as posted (the filter acts before Event Grid posts).
   */
  maxContentLength?: number;
}

interface Delivery extends BlobVersion {
  bindingData: Record<string, string>;
  attempt: number;
  notBefore: number;
}

export class BlobTriggerListener implements TriggerListener, QueuedBlobTarget {
  readonly #pending: Delivery[] = [];
  readonly #tracked = new Map<string, 'pending' | 'running' | 'done'>();
  readonly #delay = new WakeableDelay();
  readonly #work = new Set<Promise<void>>();
  #running = 0;
  #stopped = false;
  #stopWaitingForSlots: () => void = () => undefined;
  #scan: Promise<void> | undefined;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly fn: RegisteredFunction,
    private readonly pattern: BlobPathPattern,
    private readonly options: BlobTriggerOptions,
  ) {}

  get #functionId(): string {
    return `Host.Functions.${this.fn.metadata.name}`;
  }

  get #container() {
    return this.options.storage
      .blobService(this.fn.metadata.bindings[this.#triggerName]?.connection)
      .getContainerClient(this.pattern.container);
  }

  get #triggerName(): string {
    return Object.entries(this.fn.metadata.bindings).find(([, b]) => b.type === 'blobTrigger')?.[0] ?? '';
  }

  get #maxContentLength(): number {
    return this.options.maxContentLength ?? Number.POSITIVE_INFINITY;
  }

  get #polls(): boolean {
    return this.options.source !== 'eventGrid';
  }

  async start(): Promise<void> {
    this.#stopWaitingForSlots = this.options.slots.onRelease(() => this.#pump());
    await this.#container.createIfNotExists();
    if (!this.#polls) return;
    await this.#scanNow();
    this.#loop = this.#run();
  }

  /** Listed versions are tracked by ETag. */
  #keyOf(delivery: Delivery): string {
    return `${delivery.etag}|${delivery.blobName}`;
  }

  /**
   * Runs the function on the blob as it is now, for a message of the host's blob trigger queue (an Event Grid
   * event). `gone`: the blob no longer exists, or is not one this trigger's path matches (the host cannot bind it).
   */
  async runQueued(
    container: string,
    blobName: string,
    attempt: number,
  ): Promise<{ outcome: QueuedBlobOutcome; etag?: string }> {
    const bindingData = container === this.pattern.container ? this.pattern.match(blobName) : undefined;
    if (!bindingData) {
      this.options.logger.log('warn', `Event Grid blob event ignored: ${this.fn.metadata.name} does not take it`, {
        blob: `${container}/${blobName}`,
      });
      return { outcome: 'gone' };
    }
    const blob = this.#container.getBlobClient(blobName);
    let version: BlobVersionContent | undefined;
    try {
      version = await readBlobVersion(blob);
    } catch (error) {
      this.options.logger.log('warn', `reading blob failed`, {
        blob: `${container}/${blobName}`,
        error: (error as Error).message,
      });
      return { outcome: 'unreadable' };
    }
    // Gone since the event: dropped, as the host does (BlobQueueTriggerExecutor: BlobNotFound).
    if (!version) return { outcome: 'gone' };
    const etag = version.properties.etag ?? '';
    try {
      await this.#invoke({ container, blobName, etag, bindingData, attempt, notBefore: 0 }, blob.url, version);
      return { outcome: 'ran', etag };
    } catch {
      // The invoker has already reported the failure (event and log line).
      return { outcome: 'failed', etag };
    }
  }

  async reportPoison(container: string, blobName: string, etag: string, attempt: number): Promise<void> {
    await this.#sendPoisonReport(container, blobName, etag);
    this.#logGaveUp(container, blobName, attempt);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopWaitingForSlots();
    this.#delay.wake();
    await this.#loop;
    // Deliveries under way finish, receipts included, before storage may go away.
    await Promise.all([...this.#work]);
  }

  async hasPendingWork(): Promise<boolean> {
    if (this.#polls) await this.#scanNow();
    return this.#pending.length > 0 || this.#running > 0;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      await this.#delay.wait(this.options.pollIntervalMs);
      if (this.#stopped) break;
      await this.#scanNow();
    }
  }

  #scanNow(): Promise<void> {
    this.#scan ??= this.#scanOnce()
      .catch((error: unknown) => {
        if (!this.#stopped)
          this.options.logger.log('warn', `blob scan of ${this.pattern.container} failed`, {
            error: (error as Error).message,
          });
      })
      .finally(() => {
        this.#scan = undefined;
      });
    return this.#scan;
  }

  async #scanOnce(): Promise<void> {
    const seen = new Set<string>();
    for await (const blob of this.#container.listBlobsFlat({ prefix: this.pattern.prefix })) {
      const bindingData = this.pattern.match(blob.name);
      // Listings give the ETag bare, response headers quoted: keep the quoted (HTTP) form throughout.
      const etag =
        blob.properties.etag &&
        (blob.properties.etag.startsWith('"') ? blob.properties.etag : `"${blob.properties.etag}"`);
      if (!bindingData || !etag) continue;
      if (blob.properties.contentLength !== undefined && blob.properties.contentLength > this.#maxContentLength)
        continue;
      const key = `${etag}|${blob.name}`;
      seen.add(key);
      if (this.#tracked.has(key)) continue;
      const version = { container: this.pattern.container, blobName: blob.name, etag };
      if (await this.options.receipts.has(this.#functionId, version)) {
        this.#tracked.set(key, 'done');
        continue;
      }
      this.#tracked.set(key, 'pending');
      this.#pending.push({ ...version, bindingData, attempt: 1, notBefore: 0 });
      // Start it now rather than after the whole listing: each blob's receipt is a storage read, and in a drop of
      // hundreds the last ones would hold back the first (Event Grid, which this stands in for, delivers each at once).
      this.#pump();
    }
    // Forget finished versions that are gone, so memory follows the container rather than its history.
    for (const [key, state] of this.#tracked) if (state === 'done' && !seen.has(key)) this.#tracked.delete(key);
    this.#pump();
  }

  #pump(): void {
    while (!this.#stopped) {
      const now = Date.now();
      const index = this.#pending.findIndex((d) => d.notBefore <= now);
      if (index < 0 || !this.options.slots.tryTake()) return;
      const [delivery] = this.#pending.splice(index, 1);
      if (!delivery) {
        this.options.slots.release();
        return;
      }
      this.#running += 1;
      this.#tracked.set(this.#keyOf(delivery), 'running');
      const work: Promise<void> = this.#deliver(delivery).finally(() => {
        this.#running -= 1;
        this.#work.delete(work);
        // Wakes this listener and any other blob trigger waiting for a slot.
        this.options.slots.release();
      });
      this.#work.add(work);
    }
  }

  /** Delivers the blob's current version again, as a duplicate Event Grid event would (tests of idempotency). */
  async redeliver(blobName: string): Promise<RpcInvocationResponse> {
    const bindingData = this.pattern.match(blobName);
    if (!bindingData)
      throw new LocalRuntimeError('invalid-binding', `${blobName} does not match ${this.pattern.container}/…`);
    const blob = this.#container.getBlobClient(blobName);
    const version = await readBlobVersion(blob);
    if (!version)
      throw new LocalRuntimeError('blob-not-found', `Blob ${this.pattern.container}/${blobName} does not exist.`);
    const delivery = {
      container: this.pattern.container,
      blobName,
      etag: version.properties.etag ?? '',
      bindingData,
      attempt: 1,
      notBefore: 0,
    };
    return this.#invoke(delivery, blob.url, version);
  }

  #invoke(delivery: Delivery, url: string, version: BlobVersionContent): Promise<RpcInvocationResponse> {
    const { container, blobName, etag, attempt } = delivery;
    return this.options.invoker.invoke(
      this.fn,
      {
        inputData: [{ name: this.#triggerName, data: { bytes: version.content } }],
        triggerMetadata: blobTriggerMetadata({
          delivery,
          url,
          properties: version.properties,
          bindingData: delivery.bindingData,
        }),
      },
      { kind: 'blob', container, blobName, etag, attempt },
    );
  }

  async #deliver(delivery: Delivery): Promise<void> {
    const key = this.#keyOf(delivery);
    const blob = this.#container.getBlobClient(delivery.blobName);
    // Neither a busy receipt nor a failed read is a try: the function did not run.
    const notATry = { ...delivery, attempt: delivery.attempt - 1 };
    let version: BlobVersionContent | undefined;
    try {
      version = await readBlobVersion(blob, delivery.etag);
    } catch (error) {
      this.options.logger.log('warn', `reading blob failed`, {
        blob: `${delivery.container}/${delivery.blobName}`,
        error: (error as Error).message,
      });
      // Waiting a retry delay keeps a storage outage from becoming a busy loop.
      this.#retryLater(notATry, key, this.options.retryDelayMs);
      return;
    }
    if (!version) {
      // Deleted or overwritten since the listing: that version no longer exists; a newer one is listed next scan.
      this.#tracked.delete(key);
      return;
    }
    let claim: ReceiptClaim;
    try {
      const claimed = await this.options.receipts.claim(this.#functionId, delivery);
      if (claimed === 'busy') {
        // Another instance is delivering it; if that instance dies, its lease lapses and this one takes over.
        this.#retryLater(notATry, key, busyRetryMs);
        return;
      }
      if (claimed === 'done') {
        this.#finish(key);
        return;
      }
      claim = claimed;
    } catch (error) {
      this.options.logger.log('warn', `claiming a blob receipt failed`, {
        blob: `${delivery.container}/${delivery.blobName}`,
        error: (error as Error).message,
      });
      this.#retryLater(notATry, key, this.options.retryDelayMs);
      return;
    }
    let succeeded = false;
    try {
      await this.#invoke(delivery, blob.url, version);
      succeeded = true;
    } catch {
      // The invoker has already reported the failure (event and log line).
    }
    try {
      if (succeeded) {
        await claim.complete('completed');
        this.#finish(key);
      } else if (delivery.attempt >= this.options.poisonBlobThreshold) await this.#poison(delivery, key, claim);
      else {
        await claim.release();
        // The next try at once, as the extension's internal queue hands it back (no visibility timeout).
        this.#retryLater(delivery, key, 0);
      }
    } catch (error) {
      // Without a completed receipt the version is delivered again: at least once, as on Azure.
      this.options.logger.log('warn', `recording a blob trigger outcome failed; it will be delivered again`, {
        blob: `${delivery.container}/${delivery.blobName}`,
        error: (error as Error).message,
      });
      await claim.release();
      if (!this.#stopped) this.#retryLater(notATry, key, this.options.retryDelayMs);
    }
  }

  /** A listed version stays known until it leaves the container. */
  #finish(key: string): void {
    this.#tracked.set(key, 'done');
  }

  #retryLater(delivery: Delivery, key: string, delayMs: number): void {
    this.#tracked.set(key, 'pending');
    this.#pending.push({ ...delivery, attempt: delivery.attempt + 1, notBefore: Date.now() + delayMs });
    setTimeout(() => this.#pump(), delayMs).unref();
  }

  async #poison(delivery: Delivery, key: string, claim: ReceiptClaim): Promise<void> {
    await this.#sendPoisonReport(delivery.container, delivery.blobName, delivery.etag);
    await claim.complete('poisoned');
    this.#finish(key);
    this.#logGaveUp(delivery.container, delivery.blobName, delivery.attempt);
  }

  async #sendPoisonReport(container: string, blobName: string, etag: string): Promise<void> {
    const connection = this.fn.metadata.bindings[this.#triggerName]?.connection;
    const queue = await this.options.storage.existingQueue(connection, blobPoisonQueue);
    // The host's BlobTriggerMessage shape, so tooling that replays poison blobs reads ours too.
    const message = {
      Type: 'BlobTrigger',
      FunctionId: this.#functionId,
      BlobType: 'BlockBlob',
      ContainerName: container,
      BlobName: blobName,
      ETag: etag,
    };
    await queue.sendMessage(Buffer.from(JSON.stringify(message), 'utf8').toString('base64'));
  }

  #logGaveUp(container: string, blobName: string, attempt: number): void {
    this.options.logger.log(
      'error',
      `${this.fn.metadata.name} gave up on a blob after ${attempt} tries; reported on ${blobPoisonQueue}`,
      { blob: `${container}/${blobName}` },
    );
  }
}
