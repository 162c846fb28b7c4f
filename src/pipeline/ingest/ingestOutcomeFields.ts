// What the ingest log line says about each outcome: who the photo was resolved to and where the original went, or
// the rejection code HR sees in `photos-rejected/{name}.error.json`, so logs and the rejection JSON use the same codes.

import type { IngestOutcome } from './ingestPhoto';

export function ingestOutcomeFields(outcome: IngestOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'accepted':
      return {
        outcome: outcome.kind,
        userId: outcome.owner.userId,
        resolvedBy: outcome.resolvedBy,
        contentHash: outcome.contentHash,
        archivedTo: outcome.archivedTo,
      };
    case 'rejected':
      return { outcome: outcome.kind, code: outcome.code, rejectedTo: outcome.rejectedTo };
    case 'manifest-stored':
      return { outcome: outcome.kind, storedTo: outcome.storedTo, rows: outcome.rows };
    case 'already-handled':
      return { outcome: outcome.kind };
  }
}
