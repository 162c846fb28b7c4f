// What is left to carry out once ingest is done: its one log line. (The write messages are already queued: ingest
// sends them itself, before the original leaves photos-incoming.) The line says who the photo was resolved to and
// where the original went, or the rejection code HR sees in `photos-rejected/{name}.error.json`, so logs and the
// rejection JSON use the same codes.

import { decision, type Decision } from '../messages/Decision';
import type { IngestOutcome, IngestRequest, IngestStageTimings } from './ingestPhoto';

export function ingestDecision(request: IngestRequest, outcome: IngestOutcome, durationMs: number): Decision {
  const fields = {
    event: 'photo-ingest',
    blob: request.blobName,
    correlationId: request.correlationId,
    ...ingestOutcomeFields(outcome),
    durationMs,
  };
  return decision({ logs: [{ level: 'info', fields }] });
}

export function ingestOutcomeFields(outcome: IngestOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'accepted':
      return {
        outcome: outcome.kind,
        userId: outcome.owner.userId,
        resolvedBy: outcome.resolvedBy,
        contentHash: outcome.contentHash,
        archivedTo: outcome.archivedTo,
        ...(outcome.stagesMs ? { stagesMs: roundedStages(outcome.stagesMs) } : {}),
      };
    case 'rejected':
      return { outcome: outcome.kind, code: outcome.code, rejectedTo: outcome.rejectedTo };
    case 'removed':
      return {
        outcome: outcome.kind,
        userId: outcome.owner.userId,
        contentHash: outcome.contentHash,
        removedAt: outcome.removedAt,
      };
    case 'manifest-stored':
      return { outcome: outcome.kind, storedTo: outcome.storedTo, rows: outcome.rows };
    case 'already-handled':
      return { outcome: outcome.kind };
  }
}

function roundedStages(stages: IngestStageTimings): Record<string, number> {
  const byStage: Record<string, number> = { ...stages };
  return Object.fromEntries(Object.entries(byStage).map(([stage, ms]) => [stage, Math.round(ms)]));
}
