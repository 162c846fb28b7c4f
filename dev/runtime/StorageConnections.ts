// One blob and one queue service client per storage connection the bindings name, created on first use.

import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { storageConnectionString } from './appSettings';

export class StorageConnections {
  readonly #blobs = new Map<string, BlobServiceClient>();
  readonly #queues = new Map<string, QueueServiceClient>();
  readonly #createdQueues = new Map<string, Promise<unknown>>();

  constructor(private readonly env: Record<string, string | undefined>) {}

  blobService(connection: unknown): BlobServiceClient {
    const cs = storageConnectionString(connection, this.env);
    let client = this.#blobs.get(cs);
    if (!client) {
      client = BlobServiceClient.fromConnectionString(cs);
      this.#blobs.set(cs, client);
    }
    return client;
  }

  queueService(connection: unknown): QueueServiceClient {
    const cs = storageConnectionString(connection, this.env);
    let client = this.#queues.get(cs);
    if (!client) {
      client = QueueServiceClient.fromConnectionString(cs);
      this.#queues.set(cs, client);
    }
    return client;
  }

  /** A queue client whose queue exists: the host creates output and poison queues on first use, as Azure's does. */
  async existingQueue(connection: unknown, queueName: string): Promise<QueueClient> {
    const client = this.queueService(connection).getQueueClient(queueName);
    const key = client.url;
    let created = this.#createdQueues.get(key);
    if (!created) {
      created = client.createIfNotExists();
      this.#createdQueues.set(key, created);
      created.catch(() => this.#createdQueues.delete(key));
    }
    await created;
    return client;
  }
}
