// Blob trigger on photos-incoming: parse the trigger, run the ingest use case, queue what it decided, log one line.
// Event Grid source on Azure (Flex Consumption supports only this, and polling can take minutes); the local runtime
// delivers the same registration from Azurite.

import { app, output, type InvocationContext } from '@azure/functions';
import { getDirectory, getPhotoBlobStore } from '../compositionRoot';
import { getConfig } from '../config';
import { ingestOutcomeFields } from '../pipeline/ingest/ingestOutcomeFields';
import { ingestPhoto, type IngestOutcome } from '../pipeline/ingest/ingestPhoto';
import { renderRenditions } from '../imaging/renderRenditions';
import { containers, queues, storageConnection } from '../storage/names';
import { recordIngestOutcome } from '../telemetry/recordPhotoTelemetry';

const exchangeWritesOutput = output.storageQueue({
  queueName: queues.exchangePhotoWrites,
  connection: storageConnection,
});
const sharePointWritesOutput = output.storageQueue({
  queueName: queues.sharePointPhotoWrites,
  connection: storageConnection,
});

/** The blob name from the path's `{name}` and the delivered version's ETag (camel-cased by the library). */
function readTrigger(context: InvocationContext): { blobName: string; etag?: string } {
  const metadata = context.triggerMetadata ?? {};
  const properties = (metadata.properties ?? {}) as { eTag?: unknown };
  const path = typeof metadata.blobTrigger === 'string' ? metadata.blobTrigger : '';
  const name = typeof metadata.name === 'string' ? metadata.name : path.slice(path.indexOf('/') + 1);
  const etag = typeof properties.eTag === 'string' && properties.eTag ? properties.eTag : undefined;
  // If-Match needs the quoted form storage returns; a serialiser that drops the quotes must not turn every photo into
  // "replaced by a newer version".
  return { blobName: name, ...(etag ? { etag: etag.startsWith('"') ? etag : `"${etag}"` } : {}) };
}

export async function ingestPhotoHandler(blob: unknown, context: InvocationContext): Promise<void> {
  const startedAt = Date.now();
  const config = getConfig();
  const { blobName, etag } = readTrigger(context);
  const bytes = Buffer.isBuffer(blob) ? blob : Buffer.from(blob as Uint8Array);
  const base = { event: 'photo-ingest', blob: blobName, correlationId: context.invocationId };
  let outcome: IngestOutcome;
  try {
    outcome = await ingestPhoto(
      { blobName, bytes, correlationId: context.invocationId, ...(etag ? { etag } : {}) },
      {
        store: getPhotoBlobStore(),
        directory: getDirectory(),
        render: (data) => renderRenditions(data, config.ingest),
      },
      {
        maxBytes: config.ingest.maxBytes,
        targets: config.targets,
        ...(config.ingest.employeeIdPattern ? { employeeIdPattern: config.ingest.employeeIdPattern } : {}),
      },
    );
  } catch (error) {
    // Not HR's to fix: the host retries the blob, then reports it on webjobs-blobtrigger-poison.
    const { code, retryable } = error as { code?: unknown; retryable?: unknown };
    context.warn(JSON.stringify({ ...base, outcome: 'failed', code, retryable, error: (error as Error).message }));
    throw error;
  }
  recordIngestOutcome(outcome);
  if (outcome.kind === 'accepted') {
    if (outcome.messages.exchange) context.extraOutputs.set(exchangeWritesOutput, [outcome.messages.exchange]);
    if (outcome.messages.sharePoint) context.extraOutputs.set(sharePointWritesOutput, [outcome.messages.sharePoint]);
  }
  context.info(JSON.stringify({ ...base, ...ingestOutcomeFields(outcome), durationMs: Date.now() - startedAt }));
}

app.storageBlob('ingestPhoto', {
  path: `${containers.incoming}/{name}`,
  connection: storageConnection,
  source: 'EventGrid',
  extraOutputs: [exchangeWritesOutput, sharePointWritesOutput],
  handler: ingestPhotoHandler,
});
