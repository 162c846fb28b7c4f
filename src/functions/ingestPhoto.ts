// Blob trigger on photos-incoming: parse the trigger, run the ingest use case (or, for a `{person}.remove` file, the
// removal request use case) (which queues the write messages
// through the DecisionExecutor before it archives the original), record the outcome, log one line.
// Event Grid source on Azure (Flex Consumption supports only this, and polling can take minutes); the local runtime
// delivers the same registration from Azurite.

import { app, type InvocationContext } from '@azure/functions';
import { getDecisionExecutor, ingestWiring, removalFileWiring } from '../compositionRoot';
import { isRemovalRequestName, receiveRemovalFile } from '../pipeline/status/receiveRemovalFile';
import { ingestDecision } from '../pipeline/ingest/ingestDecision';
import { ingestPhoto, type IngestOutcome } from '../pipeline/ingest/ingestPhoto';
import { containers, photoStorageConnection } from '../storage/names';
import { recordIngestOutcome } from '../telemetry/recordPhotoTelemetry';

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
  const { blobName, etag } = readTrigger(context);
  const bytes = Buffer.isBuffer(blob) ? blob : Buffer.from(blob as Uint8Array);
  await ingestIncomingBlob({ blobName, bytes, ...(etag ? { etag } : {}) }, context);
}

/**
 * One blob of photos-incoming, as its trigger delivers it or as retryParkedUploads hands it back: HR's removal
 * request file or a photo. Resolves with the outcome's kind; throws what the host (or the retry) should try again.
 */
export async function ingestIncomingBlob(
  blob: { blobName: string; bytes: Buffer; etag?: string },
  context: InvocationContext,
): Promise<string> {
  const startedAt = Date.now();
  const { blobName } = blob;
  const request = { ...blob, correlationId: context.invocationId };
  if (isRemovalRequestName(blobName)) {
    // HR's removal request file (`{person}.remove`), not a photo: the removal use case, not ingest.
    const outcome = await receiveRemovalFile(request, removalFileWiring());
    const fields = { event: 'removal-request-file', blob: blobName, correlationId: context.invocationId };
    if (outcome.kind === 'rejected')
      context.warn(JSON.stringify({ ...fields, outcome: 'rejected', code: outcome.code }));
    else {
      const userId = outcome.kind === 'removal-requested' ? outcome.record.userId : undefined;
      context.info(JSON.stringify({ ...fields, outcome: outcome.kind, userId }));
    }
    return outcome.kind;
  }
  const { ports, options } = ingestWiring();
  let outcome: IngestOutcome;
  try {
    outcome = await ingestPhoto(request, ports, options);
  } catch (error) {
    // Not HR's to fix: the host retries the blob, then reports it on webjobs-blobtrigger-poison, where
    // retryParkedUploads picks it up again later.
    const { code, retryable } = error as { code?: unknown; retryable?: unknown };
    const fields = { event: 'photo-ingest', blob: blobName, correlationId: context.invocationId };
    context.warn(JSON.stringify({ ...fields, outcome: 'failed', code, retryable, error: (error as Error).message }));
    throw error;
  }
  recordIngestOutcome(outcome);
  await getDecisionExecutor().carryOut(ingestDecision(request, outcome, Date.now() - startedAt), context);
  return outcome.kind;
}

app.storageBlob('ingestPhoto', {
  path: `${containers.incoming}/{name}`,
  connection: photoStorageConnection,
  source: 'EventGrid',
  handler: ingestPhotoHandler,
});
