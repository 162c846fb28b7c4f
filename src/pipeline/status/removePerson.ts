// Carrying out one removal (issue 13): first every target's row is marked `removedAt` (the request's time), so a write
// of a photo received before the removal is skipped by the writers whenever it comes (the removal wins); then any
// write already under way is let finish; then the photo goes from Exchange, SharePoint returns to its placeholder,
// our renditions and archived originals are deleted, and the audit record says it is done (never the photo).
// Every step is idempotent (a deleted photo deletes as "none", a placeholder resets again, a deleted blob is not
// counted twice), so a removal that failed part-way is finished by running it again from the top.

import type { PhotoStatePort, PhotoTarget } from '../write/PhotoStatePort';
import type { SharePointPlaceholderPort } from '../write/SharePointPlaceholderPort';
import type { ExchangeRemoval, RemovalAuditPort, RemovalRecord } from './RemovalAuditPort';

export interface RemovalPorts {
  state: PhotoStatePort;
  audit: RemovalAuditPort;
  /** `DELETE /users/{id}/photo/$value`: what Exchange held. */
  deleteExchangePhoto(userId: string): Promise<Exclude<ExchangeRemoval, 'off' | 'not-in-directory'>>;
  /** Thumbnails deleted, `PictureURL` cleared, `SPS-PicturePlaceholderState` = 1. */
  resetSharePointToPlaceholder: SharePointPlaceholderPort;
  /**
   * Renditions and archived originals of this person's photos received up to `receivedUpTo` (a photo received after
   * the removal was asked for is a new one, kept); returns how many blobs went.
   */
  deleteStoredPhotos(userId: string, receivedUpTo: string): Promise<number>;
  targets: { exchange: boolean; sharePoint: boolean };
  now: () => Date;
  /** Waits between looks at a write under way (tests pass a fake). */
  delay: (ms: number) => Promise<void>;
  /** How long to wait for a write under way before giving up with "try again" (default 30 s). */
  maxWaitMs?: number;
}

export class RemovalBusyError extends Error {
  readonly code = 'write-in-progress';
  readonly retryable = true;
  constructor(userPrincipalName: string) {
    super(`A photo for ${userPrincipalName} is being written right now; the removal tries again in a moment.`);
    this.name = 'RemovalBusyError';
  }
}

const rowTargets: PhotoTarget[] = ['exchange', 'sharepoint'];

/** Marks the person's rows so no photo received before `removedAt` is written after it (run at request time too). */
export async function markRemoved(state: PhotoStatePort, userId: string, removedAt: string): Promise<void> {
  for (const target of rowTargets) {
    await state.update(userId, target, (current) =>
      current?.removedAt !== undefined && current.removedAt >= removedAt
        ? undefined
        : {
            removedAt,
            lastContentHash: '',
            lastOutcome: 'removed',
            lastErrorCode: '',
            lastErrorMessage: '',
            resumeContentHash: '',
            resumeSteps: '',
            updatedAt: removedAt,
          },
    );
  }
}

/**
 * Deletes everything the record's removal covers and saves the record as completed. `inDirectory: false` (a person
 * who left): Exchange went with their account, so only SharePoint's files and our storage are left to delete.
 */
export async function removePerson(
  record: RemovalRecord,
  ports: RemovalPorts,
  options: { inDirectory: boolean } = { inDirectory: true },
): Promise<RemovalRecord> {
  await markRemoved(ports.state, record.userId, record.requestedAt);
  await waitForWritesUnderWay(record, ports);
  const exchange: ExchangeRemoval = !ports.targets.exchange
    ? 'off'
    : options.inDirectory
      ? await ports.deleteExchangePhoto(record.userId)
      : 'not-in-directory';
  // Without a UPN (a person who left before any write recorded one) there is no thumbnail name to delete.
  const sharePoint =
    ports.targets.sharePoint && record.userPrincipalName !== ''
      ? await ports.resetSharePointToPlaceholder(record.userPrincipalName)
      : undefined;
  const storedPhotosDeleted = await ports.deleteStoredPhotos(record.userId, record.requestedAt);
  const done = ports.now().toISOString();
  const completed: RemovalRecord = {
    ...record,
    status: 'completed',
    exchange,
    sharePoint: sharePoint ? sharePoint.profile : 'off',
    thumbnailsDeleted: sharePoint?.thumbnailsDeleted ?? 0,
    // What this run deleted: a resumed removal does not count blobs an earlier, failed run already took.
    storedPhotosDeleted,
    completedAt: done,
    lastErrorCode: '',
    lastErrorMessage: '',
    updatedAt: done,
  };
  await ports.audit.save(completed);
  return completed;
}

/** A writer that claimed the row before the mark may still be writing: its photo must not land after the delete. */
async function waitForWritesUnderWay(record: RemovalRecord, ports: RemovalPorts): Promise<void> {
  const deadline = ports.now().getTime() + (ports.maxWaitMs ?? 30_000);
  for (;;) {
    const rows = await ports.state.listForUser(record.userId);
    const now = ports.now().toISOString();
    const busy = rows.some((r) => r.writeClaimId && r.writeClaimExpiresAt && r.writeClaimExpiresAt > now);
    if (!busy) return;
    if (ports.now().getTime() >= deadline) throw new RemovalBusyError(record.userPrincipalName);
    await ports.delay(250);
  }
}
