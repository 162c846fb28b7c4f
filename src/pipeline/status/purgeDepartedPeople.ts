// Retention for people who left (issue 13): a person deleted from the directory has their stored photos deleted
// after a retention period (DEPARTED_PHOTO_RETENTION_DAYS, default 30 — the time Entra keeps a deleted user
// restorable). A daily pass looks at everyone we hold photos of:
// - gone from the directory and no record yet: a `scheduled` removal record is saved with `dueAt` (HR sees "photos
//   deleted on …" on the status page; the person may still come back);
// - back in the directory while scheduled: the record is `cancelled`, nothing is deleted;
// - due: the record becomes `requested` and goes through the removal queue like HR's own removals (same retries,
//   same audit), with `retention policy` as who asked; one that failed is asked again on the next pass.
// The record's id is fixed (`retention`), so passes that overlap or repeat never schedule twice.

import type { QueueSend } from '../messages/Decision';
import { photoRemovalMessage } from './removalMessages';
import type { RemovalAuditPort, RemovalRecord } from './RemovalAuditPort';

export const RETENTION_REQUEST_ID = 'retention';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface PurgeDepartedPorts {
  listPeopleWithStoredPhotos(): Promise<string[]>;
  /** The person's UPN when they are in the directory; undefined when they are gone. */
  findUserPrincipalName(userId: string): Promise<string | undefined>;
  /** The UPN we last wrote for them (state rows), for SharePoint's thumbnail names; '' when unknown. */
  lastKnownUserPrincipalName(userId: string): Promise<string>;
  audit: RemovalAuditPort;
  send(sends: QueueSend[]): Promise<void>;
  now: () => Date;
  retentionDays: number;
}

export interface PurgeSummary {
  checked: number;
  scheduled: number;
  cancelled: number;
  requested: number;
}

export async function purgeDepartedPeople(ports: PurgeDepartedPorts): Promise<PurgeSummary> {
  const summary: PurgeSummary = { checked: 0, scheduled: 0, cancelled: 0, requested: 0 };
  for (const userId of await ports.listPeopleWithStoredPhotos()) {
    summary.checked += 1;
    const record = await ports.audit.get(userId, RETENTION_REQUEST_ID);
    const present = (await ports.findUserPrincipalName(userId)) !== undefined;
    const now = ports.now();
    const at = now.toISOString();
    if (present) {
      if (record?.status === 'scheduled') {
        await ports.audit.save({ ...record, status: 'cancelled', updatedAt: at });
        summary.cancelled += 1;
      }
      continue;
    }
    if (!record || record.status === 'cancelled' || record.status === 'completed') {
      // Completed before and photos are here again: the person came back, got a photo, and left again.
      await ports.audit.save(scheduledRecord(userId, await ports.lastKnownUserPrincipalName(userId), now, ports));
      summary.scheduled += 1;
      continue;
    }
    // A failed one is asked again each pass: the cause (a permission, an outage) may have been fixed since.
    const due = record.status === 'scheduled' && record.dueAt !== undefined && record.dueAt <= at;
    if (due || record.status === 'failed') {
      await ports.audit.save({ ...record, status: 'requested', requestedAt: at, updatedAt: at });
      await ports.send([{ queue: 'photoRemovals', message: photoRemovalMessage(userId, RETENTION_REQUEST_ID) }]);
      summary.requested += 1;
    }
  }
  return summary;
}

function scheduledRecord(
  userId: string,
  userPrincipalName: string,
  now: Date,
  ports: PurgeDepartedPorts,
): RemovalRecord {
  const at = now.toISOString();
  return {
    userId,
    requestId: RETENTION_REQUEST_ID,
    userPrincipalName,
    requestedBy: 'retention policy',
    requestedAt: at,
    via: 'retention',
    reason: `Not in the directory since ${at.slice(0, 10)}; photos are kept ${ports.retentionDays} days.`,
    status: 'scheduled',
    attempts: 0,
    dueAt: new Date(now.getTime() + ports.retentionDays * DAY_MS).toISOString(),
    updatedAt: at,
  };
}
