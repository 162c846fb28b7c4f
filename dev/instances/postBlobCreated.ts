// Delivers an upload to the app as Azure does: the BlobCreated event Event Grid posts to the blob extension's webhook.

import { randomUUID } from 'node:crypto';
import { Option } from 'commander';
import { containers } from '../../src/storage/names';

/**
 * What Event Grid does on Azure for each upload: post a BlobCreated event (Event Grid schema) to the blob extension's
 * webhook of one of the app's instances, spread across them as the app's front end would. Listing a container of
 * thousands of blobs twice a second from every instance, as the local runtime does without events, is not how the
 * app runs and would make Azurite the bottleneck of a company-sized drop.
 */
export async function postBlobCreated(baseUrl: string, blobUrl: string, contentLength: number): Promise<void> {
  const response = await fetch(`${baseUrl}/runtime/webhooks/blobs?functionName=Host.Functions.ingestPhoto`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
    // Event Grid waits 30 s for an answer before it counts the delivery as failed and retries.
    signal: AbortSignal.timeout(30_000),
    body: JSON.stringify([
      {
        id: randomUUID(),
        eventType: 'Microsoft.Storage.BlobCreated',
        subject: `/blobServices/default/containers/${containers.incoming}/blobs/${new URL(blobUrl).pathname.split('/').slice(3).join('/')}`,
        eventTime: new Date().toISOString(),
        dataVersion: '',
        metadataVersion: '1',
        data: { api: 'PutBlob', contentType: 'image/jpeg', contentLength, blobType: 'BlockBlob', url: blobUrl },
      },
    ]),
  });
  if (response.status !== 202) throw new Error(`the blob-created event was answered ${response.status}`);
}

/** `--delivery`: Event Grid events posted to the instances, as on Azure (default), or the local runtime's listing. */
export function deliveryOption(): Option {
  return new Option(
    '--delivery <how>',
    'how blobs reach ingest: Event Grid events posted to the instances, as on Azure, or the local listing',
  )
    .choices(['eventGrid', 'poll'])
    .default('eventGrid');
}
