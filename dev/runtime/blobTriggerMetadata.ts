// Trigger metadata the Functions host sends with a blob trigger (`BlobTrigger`, `Uri`, `Properties`, `Metadata`
// and the path's binding data), in RPC form so the `@azure/functions` library camel-cases it exactly as on Azure:
// `context.triggerMetadata.properties.contentLength`, `.metadata`, `.blobTrigger`, `.name`.
// Property names follow Azure.Storage.Blobs `BlobProperties`, which the v5 blob extension serialises.

import type { BlobGetPropertiesResponse } from '@azure/storage-blob';
import type { BlobVersion } from './BlobReceiptStore';
import type { RpcTypedData } from './coreTypes';

export type BlobProperties = BlobGetPropertiesResponse;

export function blobTriggerMetadata(input: {
  delivery: BlobVersion;
  url: string;
  properties: BlobProperties;
  bindingData: Record<string, string>;
}): Record<string, RpcTypedData> {
  const p = input.properties;
  const properties = {
    BlobType: p.blobType === 'BlockBlob' ? 'Block' : p.blobType,
    ContentLength: p.contentLength,
    ContentType: p.contentType,
    ContentEncoding: p.contentEncoding,
    ContentHash: p.contentMD5 ? Buffer.from(p.contentMD5).toString('base64') : undefined,
    ETag: p.etag,
    LastModified: p.lastModified?.toISOString(),
    CreatedOn: p.createdOn?.toISOString(),
    Metadata: p.metadata ?? {},
  };
  const metadata: Record<string, RpcTypedData> = {
    BlobTrigger: { string: `${input.delivery.container}/${input.delivery.blobName}` },
    Uri: { string: input.url },
    Properties: { json: JSON.stringify(properties) },
    Metadata: { json: JSON.stringify(p.metadata ?? {}) },
  };
  for (const [name, value] of Object.entries(input.bindingData)) metadata[name] = { string: value };
  return metadata;
}
