// The custom metrics of one step, from what the step already returns, so each entry point adds one call:
//   ingestPhoto:          recordIngestOutcome(outcome)
//   writeExchangePhoto:   recordWriteResult('exchange', write, result)
//   writeSharePointPhoto: recordWriteResult('sharepoint', write, result)

import type { RejectionCode } from '../pipeline/ingest/PhotoRejectedError';
import {
  trackLatency,
  trackPhotoIngested,
  trackThrottleWait,
  trackWrite,
  type TelemetryWriteOutcome,
  type WriteTarget,
} from './photoMetrics';

/** Accepted and rejected photos count; a manifest or a blob already handled is not a photo ingested. */
export function recordIngestOutcome(outcome: { kind: string; code?: RejectionCode }): void {
  if (outcome.kind === 'accepted') trackPhotoIngested();
  else if (outcome.kind === 'rejected' && outcome.code) trackPhotoIngested(outcome.code);
}

export interface WriteResultLike {
  outcome: TelemetryWriteOutcome;
  code?: string;
  /** The visibility delay of a rescheduled write: Retry-After when the service sent one, else the backoff. */
  delayMs?: number;
}

export function recordWriteResult(
  target: WriteTarget,
  write: { receivedAt: string },
  result: WriteResultLike,
  options: { now?: () => number } = {},
): void {
  trackWrite(
    target,
    result.outcome,
    result.outcome === 'permanent-failure' || result.outcome === 'dead-lettered' ? result.code : undefined,
  );
  if (result.outcome === 'rescheduled' && result.delayMs !== undefined) trackThrottleWait(result.delayMs, target);
  const receivedAt = Date.parse(write.receivedAt);
  if (result.outcome === 'written' && Number.isFinite(receivedAt)) {
    trackLatency((options.now ?? Date.now)() - receivedAt, target);
  }
}
