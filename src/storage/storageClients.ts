// The three Azure Storage service clients, built once from the typed storage configuration: a connection string
// locally (Azurite), a managed identity on Azure (shared keys off).

import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { TableServiceClient } from '@azure/data-tables';
import type { PhotoStorageConfig, StorageConnectionConfig } from '../config';

export interface StorageClients {
  blobs: BlobServiceClient;
  queues: QueueServiceClient;
  tables: TableServiceClient;
  /** Needed to build TableClient instances for the same account. */
  tableCredentialOrConnectionString: { connectionString: string } | { url: string; credential: TokenCredential };
}

function identityCredential(clientId: string | undefined): TokenCredential {
  return clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
}

export function createStorageClients(config: StorageConnectionConfig): StorageClients {
  if (config.kind === 'connectionString') {
    const cs = config.connectionString;
    // Azurite's table endpoint needs allowInsecureConnection for http://127.0.0.1.
    return {
      blobs: BlobServiceClient.fromConnectionString(cs),
      queues: QueueServiceClient.fromConnectionString(cs),
      tables: TableServiceClient.fromConnectionString(cs, {
        allowInsecureConnection: cs.includes('http://') || cs.includes('UseDevelopmentStorage'),
      }),
      tableCredentialOrConnectionString: { connectionString: cs },
    };
  }
  const credential = identityCredential(config.clientId);
  return {
    blobs: new BlobServiceClient(config.blobServiceUri, credential),
    queues: new QueueServiceClient(config.queueServiceUri, credential),
    tables: new TableServiceClient(config.tableServiceUri, credential),
    tableCredentialOrConnectionString: { url: config.tableServiceUri, credential },
  };
}

/** The queue client of the photos storage account: the blob trigger's `webjobs-blobtrigger-poison` lives there. */
export function createPhotoQueueClient(config: PhotoStorageConfig): QueueServiceClient {
  return config.kind === 'connectionString'
    ? QueueServiceClient.fromConnectionString(config.connectionString)
    : new QueueServiceClient(config.queueServiceUri, identityCredential(config.clientId));
}

/** The blob client of the photos storage account (PhotoStorage), apart from the host's. */
export function createPhotoBlobClient(config: PhotoStorageConfig): BlobServiceClient {
  return config.kind === 'connectionString'
    ? BlobServiceClient.fromConnectionString(config.connectionString)
    : new BlobServiceClient(config.blobServiceUri, identityCredential(config.clientId));
}
