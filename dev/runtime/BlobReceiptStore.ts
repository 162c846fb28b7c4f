// Blob receipts, stored where the Functions host keeps them: container `azure-webjobs-hosts`, blob
// `blobreceipts/{hostId}/{functionId}/{etag}/{container}/{blob}`. A receipt marks one blob version as done for one
// function, so a restarted host does not deliver it again.
// Host reference: azure-webjobs-sdk-extensions, BlobReceiptManager.

import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

export const hostsContainer = 'azure-webjobs-hosts';

export interface BlobVersion {
  container: string;
  blobName: string;
  etag: string;
}

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

  async has(functionId: string, version: BlobVersion): Promise<boolean> {
    this.#created ??= this.#container.createIfNotExists();
    await this.#created;
    return this.#receipt(functionId, version).exists();
  }

  async write(functionId: string, version: BlobVersion, result: 'completed' | 'poisoned'): Promise<void> {
    this.#created ??= this.#container.createIfNotExists();
    await this.#created;
    await this.#receipt(functionId, version).upload('', 0, {
      metadata: { result, completedat: new Date().toISOString() },
    });
  }
}
