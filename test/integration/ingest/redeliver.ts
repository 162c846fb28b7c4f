// Delivers one blob version to the ingest registration again, as a duplicate Event Grid event would: the same
// bytes and trigger metadata through the same `@azure/functions` invocation path the host uses.

import { randomUUID } from 'node:crypto';
import type { BlobProperties } from '../../../dev/runtime/blobTriggerMetadata';
import { blobTriggerMetadata } from '../../../dev/runtime/blobTriggerMetadata';
import type { RpcInvocationResponse } from '../../../dev/runtime/coreTypes';
import { registeredFunctions } from '../../../dev/runtime/functionsCore';
import { invokeRegisteredFunction } from '../../../dev/runtime/invokeRegisteredFunction';
import { containers } from '../../../src/storage/names';
import type { LocalStack } from '../../support/localStackFixture';

export async function redeliver(
  stack: LocalStack,
  blob: { blobName: string; etag: string; bytes: Buffer },
): Promise<RpcInvocationResponse> {
  const fn = registeredFunctions().find((f) => f.metadata.name === 'ingestPhoto');
  if (!fn) throw new Error('ingestPhoto is not registered');
  const triggerName = Object.entries(fn.metadata.bindings).find(([, b]) => b.type === 'blobTrigger')?.[0] ?? '';
  const properties: Partial<BlobProperties> = {
    etag: blob.etag,
    contentLength: blob.bytes.length,
    blobType: 'BlockBlob',
    metadata: {},
  };
  const url = `${stack.settings.AzureWebJobsStorage ?? ''}/${containers.incoming}/${blob.blobName}`;
  return invokeRegisteredFunction(
    fn,
    {
      invocationId: randomUUID(),
      inputData: [{ name: triggerName, data: { bytes: blob.bytes } }],
      triggerMetadata: blobTriggerMetadata({
        delivery: { container: containers.incoming, blobName: blob.blobName, etag: blob.etag },
        url,
        properties: properties as BlobProperties,
        bindingData: { name: blob.blobName },
      }),
    },
    { appHookData: {}, log: () => undefined },
  );
}
