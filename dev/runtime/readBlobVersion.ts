// Reads one version of a blob (content and properties), or reports that the version no longer exists.

import { RestError, type BlobClient, type BlobGetPropertiesResponse } from '@azure/storage-blob';

export interface BlobVersionContent {
  content: Buffer;
  properties: BlobGetPropertiesResponse;
}

/** `etag` pins the version; undefined means the current one. Undefined result: deleted or overwritten since. */
export async function readBlobVersion(blob: BlobClient, etag?: string): Promise<BlobVersionContent | undefined> {
  try {
    const conditions = etag ? { ifMatch: etag } : {};
    const properties = await blob.getProperties({ conditions });
    const content = await blob.downloadToBuffer(0, undefined, { conditions: { ifMatch: properties.etag ?? etag } });
    return { content, properties };
  } catch (error) {
    if (error instanceof RestError && (error.statusCode === 404 || error.statusCode === 412)) return undefined;
    throw error;
  }
}
