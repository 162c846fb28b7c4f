// Removing a person's photo everywhere (issue 13, phase B; the use case without its Microsoft 365 adapters yet):
// first every target's row is marked `removedAt`, so a write of a photo received before the removal is skipped by
// the writers whenever it comes (the removal wins); then any write already under way is let finish; then the photo
// goes from Exchange, SharePoint returns to its placeholder, our renditions and archived originals are deleted, and
// an audit record says who asked and when (never the photo).

import type { PhotoStatePort, PhotoTarget } from '../write/PhotoStatePort';
import type { StatusPerson } from './StatusPorts';

export interface RemovalAudit {
  userId: string;
  userPrincipalName: string;
  requestedBy: string;
  requestedAt: string;
  /** `status-page`, `api` or the name of a removal request file. */
  via: string;
  exchange: 'deleted' | 'none' | 'off';
  sharePoint: 'reset' | 'off';
  storedPhotosDeleted: number;
}

export interface RemovalPorts {
  state: PhotoStatePort;
  /** `DELETE /users/{id}/photo/$value`; 'none' when there was no photo. */
  deleteExchangePhoto(userId: string): Promise<'deleted' | 'none'>;
  /** Thumbnails deleted, `PictureURL` cleared, `SPS-PicturePlaceholderState` = 1. */
  resetSharePointToPlaceholder(userPrincipalName: string): Promise<void>;
  /** Renditions and archived originals of this person; returns how many blobs went. */
  deleteStoredPhotos(userId: string): Promise<number>;
  recordAudit(entry: RemovalAudit): Promise<void>;
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
    super(`A photo for ${userPrincipalName} is being written right now; try the removal again in a minute.`);
    this.name = 'RemovalBusyError';
  }
}

const rowTargets: PhotoTarget[] = ['exchange', 'sharepoint'];

export async function removePerson(
  person: StatusPerson,
  request: { requestedBy: string; via: string },
  ports: RemovalPorts,
): Promise<RemovalAudit> {
  const requestedAt = ports.now().toISOString();
  for (const target of rowTargets) {
    await ports.state.update(person.id, target, () => ({
      removedAt: requestedAt,
      lastContentHash: '',
      lastOutcome: 'removed',
      lastErrorCode: '',
      lastErrorMessage: '',
      updatedAt: requestedAt,
    }));
  }
  await waitForWritesUnderWay(person, ports);
  const exchange = ports.targets.exchange ? await ports.deleteExchangePhoto(person.id) : 'off';
  if (ports.targets.sharePoint) await ports.resetSharePointToPlaceholder(person.userPrincipalName);
  const storedPhotosDeleted = await ports.deleteStoredPhotos(person.id);
  const audit: RemovalAudit = {
    userId: person.id,
    userPrincipalName: person.userPrincipalName,
    requestedBy: request.requestedBy,
    requestedAt,
    via: request.via,
    exchange,
    sharePoint: ports.targets.sharePoint ? 'reset' : 'off',
    storedPhotosDeleted,
  };
  await ports.recordAudit(audit);
  return audit;
}

/** A writer that claimed the row before the mark may still be writing: its photo must not land after the delete. */
async function waitForWritesUnderWay(person: StatusPerson, ports: RemovalPorts): Promise<void> {
  const deadline = ports.now().getTime() + (ports.maxWaitMs ?? 30_000);
  for (;;) {
    const rows = await ports.state.listForUser(person.id);
    const now = ports.now().toISOString();
    const busy = rows.some((r) => r.writeClaimId && r.writeClaimExpiresAt && r.writeClaimExpiresAt > now);
    if (!busy) return;
    if (ports.now().getTime() >= deadline) throw new RemovalBusyError(person.userPrincipalName);
    await ports.delay(250);
  }
}
