// Blob receipts, stored where the Functions host keeps them: container `azure-webjobs-hosts`, blob
// `blobreceipts/{hostId}/{functionId}/{etag}/{container}/{blob}`. A receipt marks one blob version as done for one
// function, so a restarted host does not deliver it again. Instances of one app share them (same host id): before
// delivering, an instance creates the receipt marked incomplete and takes a lease on it, as the host's
// BlobReceiptManager does, so one instance delivers a version at a time and a crashed one's lease lapses for another.
// Host reference: azure-webjobs-sdk, BlobReceiptManager (CreateReceiptAsync, TryAcquireLeaseAsync, MarkCompletedAsync).

import { RestError, type BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

export const hostsContainer = 'azure-webjobs-hosts';

/** How long an instance holds a version it is delivering before it must renew (the host uses a minute too). */
const leaseSeconds = 60;

export interface BlobVersion {
  container: string;
  blobName: string;
  etag: string;
}

/** A version this instance is delivering: renewed while the function runs, released or completed after. */
export interface ReceiptClaim {
  complete(result: 'completed' | 'poisoned'): Promise<void>;
  /** Lets another delivery (this instance's retry or another instance) take it. */
  release(): Promise<void>;
}

const statusOf = (error: unknown): number | undefined => (error instanceof RestError ? error.statusCode : undefined);

export class BlobReceiptStore {
  readonly #container: ContainerClient;
  #created: Promise<unknown> | undefined;

  constructor(
    service: BlobServiceClient,
    private readonly hostId: string,
  ) {
    this.#container = service.getContainerClient(hostsContainer);
  }

  #receipt(functionId: string, version: BlobVersion) {
    const etag = version.etag.replace(/"/g, '');
    return this.#container.getBlockBlobClient(
      `blobreceipts/${this.hostId}/${functionId}/${etag}/${version.container}/${version.blobName}`,
    );
  }

  async #ready(): Promise<void> {
    this.#created ??= this.#container.createIfNotExists();
    await this.#created;
  }

  /** True when the version was completed or poisoned (an incomplete receipt is a delivery under way or cut short). */
  async has(functionId: string, version: BlobVersion): Promise<boolean> {
    await this.#ready();
    try {
      const properties = await this.#receipt(functionId, version).getProperties();
      return properties.metadata?.incomplete !== 'true';
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  /** Claims the version for one delivery: `done` when it was finished meanwhile, `busy` when another holds it. */
  async claim(functionId: string, version: BlobVersion): Promise<ReceiptClaim | 'done' | 'busy'> {
    await this.#ready();
    const receipt = this.#receipt(functionId, version);
    try {
      await receipt.upload('', 0, { metadata: { incomplete: 'true' }, conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      // 409 / 412: the receipt exists (another delivery created it, or completed it).
      if (statusOf(error) !== 409 && statusOf(error) !== 412) throw error;
    }
    const lease = receipt.getBlobLeaseClient();
    try {
      await lease.acquireLease(leaseSeconds);
    } catch (error) {
      if (statusOf(error) === 409) return 'busy';
      throw error;
    }
    const properties = await receipt.getProperties();
    if (properties.metadata?.incomplete !== 'true') {
      await lease.releaseLease().catch(() => undefined);
      return 'done';
    }
    const renewal = setInterval(() => void lease.renewLease().catch(() => undefined), (leaseSeconds * 1000) / 3);
    renewal.unref();
    return {
      complete: async (result) => {
        clearInterval(renewal);
        await receipt.setMetadata(
          { result, completedat: new Date().toISOString() },
          { conditions: { leaseId: lease.leaseId } },
        );
        await lease.releaseLease().catch(() => undefined);
      },
      release: async () => {
        clearInterval(renewal);
        await lease.releaseLease().catch(() => undefined);
      },
    };
  }
}
