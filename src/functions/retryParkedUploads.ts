// Timer: uploads the Functions host gave up on (reported on webjobs-blobtrigger-poison after
// extensions.blobs.poisonBlobThreshold tries, which on Azure follow one another without a pause) are ingested again
// once whatever failed may have recovered, and the report is deleted once the photo has its outcome
// (src/pipeline/ingest/retryParkedUploads.ts). Every 5 minutes: a photo parked by an outage is written within minutes
// of its end, for one queue read when nothing is parked.

import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getDecisionExecutor, parkedUploadsWiring } from '../compositionRoot';
import { parkedUploadsDecision, retryParkedUploads } from '../pipeline/ingest/retryParkedUploads';
import { containers } from '../storage/names';
import { ingestIncomingBlob } from './ingestPhoto';

export const RETRY_PARKED_UPLOADS_SCHEDULE = '0 */5 * * * *';
/** New batches stop after this, so a run with hundreds of parked photos ends well within functionTimeout (5 min). */
const RUN_BUDGET_MS = 3 * 60_000;

export async function retryParkedUploadsHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const { queue, store, maxBytes, firstRetrySeconds } = parkedUploadsWiring();
  const results = await retryParkedUploads(
    {
      receive: () => queue.receive(),
      currentVersion: (name) => store.probeOriginal(name),
      ingestAgain: async (blobName, etag) => {
        const bytes = await store.readOriginal(blobName, { etag });
        // Gone or replaced since it was looked at: whoever took it gave it its outcome (or a newer upload has one).
        if (!bytes) return 'gone';
        return ingestIncomingBlob({ blobName, bytes, etag }, context);
      },
      dismiss: (message) => queue.dismiss(message),
      postpone: (message, seconds) => queue.postpone(message, seconds),
    },
    { incomingContainer: containers.incoming, maxBytes, firstRetrySeconds, deadline: Date.now() + RUN_BUDGET_MS },
  );
  await getDecisionExecutor().carryOut(parkedUploadsDecision(results, context.invocationId), context);
}

app.timer('retryParkedUploads', {
  schedule: RETRY_PARKED_UPLOADS_SCHEDULE,
  handler: retryParkedUploadsHandler,
});
