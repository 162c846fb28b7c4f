// Creates every container, queue (with its poison queue) and table the app uses, from the names in
// src/storage/names.ts, as infra/ does on Azure. Idempotent.

import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { TableServiceClient } from '@azure/data-tables';
import { containers, poisonQueueName, queues, tables } from '../src/storage/names';
import { blobPoisonQueue } from './runtime/BlobTriggerListener';

export async function provisionStorage(connectionString: string): Promise<void> {
  const blobs = BlobServiceClient.fromConnectionString(connectionString);
  const queueService = QueueServiceClient.fromConnectionString(connectionString);
  // Azurite speaks plain http on 127.0.0.1.
  const tableService = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  const queueNames = [...Object.values(queues).flatMap((q) => [q, poisonQueueName(q)]), blobPoisonQueue];
  await Promise.all([
    ...Object.values(containers).map((name) => blobs.getContainerClient(name).createIfNotExists()),
    ...queueNames.map((name) => queueService.getQueueClient(name).createIfNotExists()),
    ...Object.values(tables).map(async (name) => {
      try {
        await tableService.createTable(name);
      } catch (error) {
        // 409 TableAlreadyExists is the idempotent case.
        if ((error as { statusCode?: number }).statusCode !== 409) throw error;
      }
    }),
  ]);
}
