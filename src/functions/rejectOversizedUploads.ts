// Timer: uploads over INGEST_MAX_BYTES are rejected with a reason HR reads, without being read. The Event Grid
// subscription keeps them from ingestPhoto (whose trigger would buffer the whole blob); this sweep gives them their
// outcome (src/pipeline/ingest/rejectOversizedUploads.ts). Every 2 minutes: a rejection HR sees within minutes, for
// the price of one listing of a container that is normally empty.

import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getDecisionExecutor, oversizedUploadsWiring } from '../compositionRoot';
import { oversizedUploadsDecision, rejectOversizedUploads } from '../pipeline/ingest/rejectOversizedUploads';
import { recordIngestOutcome } from '../telemetry/recordPhotoTelemetry';

export const REJECT_OVERSIZED_SCHEDULE = '0 */2 * * * *';

export async function rejectOversizedUploadsHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const { ports, maxBytes } = oversizedUploadsWiring();
  const report = await rejectOversizedUploads(ports, { maxBytes, correlationId: context.invocationId });
  for (const r of report.rejected) recordIngestOutcome({ kind: 'rejected', code: r.code });
  await getDecisionExecutor().carryOut(oversizedUploadsDecision(report, context.invocationId), context);
}

app.timer('rejectOversizedUploads', {
  schedule: REJECT_OVERSIZED_SCHEDULE,
  runOnStartup: true,
  handler: rejectOversizedUploadsHandler,
});
