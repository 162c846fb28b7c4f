// The guarantee behind the webhook: Graph does not reliably notify `/users` subscribers of photo changes, so a
// timer walks every user, reads photo metadata 20 users per `$batch`, and queues a photo change for each user
// whose mediaEtag differs from the one we last wrote or processed. Paced (reconcilePacing.ts) so a pass stays far
// under Graph's limits and inside the run budget.

import { decision, type Decision } from '../messages/Decision';
import type { PhotoChangeMessage } from '../messages/messageContracts';
import { photoChangeMessage } from '../messages/photoChangeMessages';
import { etagOf, type PhotoMetadata } from './decidePhotoChange';
import { DEFAULT_RECONCILE_PACING, type ReconcilePacing } from './reconcilePacing';

/** A user whose metadata read failed inside the batch (throttled, no mailbox...): retried next pass. */
export interface MetadataFailure {
  userId: string;
  status: number;
  code: string;
}

export interface ReconcilePorts {
  /** `GET /users?$select=id,userPrincipalName&$top=999`, page by page (`@odata.nextLink`). */
  userIdPages(): AsyncIterable<string[]>;
  /** `POST /$batch` of `GET /users/{id}/photo`, at most 20 ids; a missing photo maps to undefined. */
  batchGetPhotoMetadata(userIds: string[]): Promise<Map<string, PhotoMetadata | undefined | MetadataFailure>>;
  /** Per user, the etags we wrote or processed (absent or empty: never seen). */
  seenMediaEtags(userIds: string[]): Promise<Map<string, string[]>>;
}

export interface ReconcileOptions extends ReconcilePorts {
  pacing?: ReconcilePacing;
  now: () => number;
  /** Waits before starting the next batch when the pace is ahead of schedule. */
  delay: (ms: number) => Promise<void>;
  newCorrelationId: () => string;
  /** Called once per page with the changes found so far in it, so they are queued without waiting for the end. */
  enqueue: (changes: PhotoChangeMessage[]) => Promise<void>;
}

export interface ReconcileReport {
  usersSeen: number;
  changed: number;
  failures: number;
  batches: number;
  pages: number;
  complete: boolean;
  elapsedMs: number;
}

function isFailure(value: PhotoMetadata | undefined | MetadataFailure): value is MetadataFailure {
  return value !== undefined && 'status' in value;
}

export async function reconcilePhotos(options: ReconcileOptions): Promise<ReconcileReport> {
  const pacing = options.pacing ?? DEFAULT_RECONCILE_PACING;
  const started = options.now();
  const minGapMs = 1000 / pacing.batchesPerSecond;
  let nextStartAt = started;
  const report: ReconcileReport = {
    usersSeen: 0,
    changed: 0,
    failures: 0,
    batches: 0,
    pages: 0,
    complete: false,
    elapsedMs: 0,
  };
  const overBudget = (): boolean => options.now() - started >= pacing.runBudgetMs;

  const checkBatch = async (userIds: string[]): Promise<PhotoChangeMessage[]> => {
    const [metadata, seenEtags] = await Promise.all([
      options.batchGetPhotoMetadata(userIds),
      options.seenMediaEtags(userIds),
    ]);
    const changes: PhotoChangeMessage[] = [];
    for (const userId of userIds) {
      const current = metadata.get(userId);
      if (isFailure(current)) {
        report.failures += 1;
        continue;
      }
      const seen = seenEtags.get(userId) ?? [];
      if (seen.includes(etagOf(current))) continue;
      // Never-seen users without a photo have nothing to propagate.
      if (current === undefined && seen.length === 0) continue;
      changes.push(
        photoChangeMessage({
          userId,
          changeType: 'reconciled',
          receivedAt: new Date(options.now()),
          correlationId: options.newCorrelationId(),
          source: 'reconcile',
        }),
      );
    }
    return changes;
  };

  report.complete = true;
  for await (const userIds of options.userIdPages()) {
    // Out of budget: stop (leaving the loop closes the paging); the next run starts a new pass.
    if (overBudget()) {
      report.complete = false;
      break;
    }
    report.pages += 1;
    const batches: string[][] = [];
    for (let i = 0; i < userIds.length; i += pacing.batchSize) batches.push(userIds.slice(i, i + pacing.batchSize));
    const changes: PhotoChangeMessage[] = [];
    let next = 0;
    // A small worker pool: `concurrency` batches in flight, batch starts spaced by 1/batchesPerSecond.
    const worker = async (): Promise<void> => {
      while (next < batches.length && !overBudget()) {
        const batch = batches[next++] as string[];
        const wait = nextStartAt - options.now();
        nextStartAt = Math.max(nextStartAt, options.now()) + minGapMs;
        if (wait > 0) await options.delay(wait);
        report.batches += 1;
        report.usersSeen += batch.length;
        changes.push(...(await checkBatch(batch)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(pacing.concurrency, batches.length) }, worker));
    if (changes.length > 0) await options.enqueue(changes);
    report.changed += changes.length;
    if (next < batches.length) {
      report.complete = false;
      break;
    }
  }
  report.elapsedMs = options.now() - started;
  return report;
}

/** The run's one log line: a warning when the pass did not finish (the next run starts a new one). */
export function reconcileDecision(report: ReconcileReport, timer: { isPastDue: boolean }): Decision {
  const fields = { event: 'photo-reconcile', ...report, isPastDue: timer.isPastDue };
  return decision({ logs: [{ level: report.complete ? 'info' : 'warn', fields }] });
}
