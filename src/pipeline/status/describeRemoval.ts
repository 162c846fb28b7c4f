// A person's latest removal in HR's words, for the status page and its JSON API: under way (and why it is still
// trying), done (who asked, when, what went), failed (why; Remove again resumes), or scheduled by the retention
// policy for a person who left the directory.

import type { RemovalRecord } from './RemovalAuditPort';

export type RemovalState = 'removing' | 'removed' | 'removal-failed' | 'scheduled' | 'cancelled';

export interface RemovalView {
  state: RemovalState;
  /** One sentence for HR. */
  text: string;
  requestedBy: string;
  requestedAt: string;
  reason: string;
  at: string;
  lastErrorCode?: string;
}

export function describeRemoval(record: RemovalRecord): RemovalView {
  const base = {
    requestedBy: record.requestedBy,
    requestedAt: record.requestedAt,
    reason: record.reason,
    ...(record.lastErrorCode ? { lastErrorCode: record.lastErrorCode } : {}),
  };
  const asked = `${record.requestedBy} asked on ${day(record.requestedAt)}`;
  switch (record.status) {
    case 'completed': {
      const what = [
        exchangeWords[record.exchange ?? 'off'],
        record.sharePoint === 'off' ? '' : 'SharePoint shows its placeholder',
        `${record.storedPhotosDeleted ?? 0} stored copies deleted`,
      ].filter(Boolean);
      return {
        ...base,
        state: 'removed',
        at: record.completedAt ?? record.updatedAt,
        text: `Removed (${asked}): ${what.join('; ')}.`,
      };
    }
    case 'failed':
      return {
        ...base,
        state: 'removal-failed',
        at: record.updatedAt,
        text: `The removal ${asked} could not finish: ${record.lastErrorMessage ?? 'unknown cause'}. Fix the cause and press Remove again: it resumes where it stopped.`,
      };
    case 'scheduled':
      return {
        ...base,
        state: 'scheduled',
        at: record.dueAt ?? record.updatedAt,
        text: `${record.reason} Their photos are deleted on ${day(record.dueAt ?? record.updatedAt)} unless they come back.`,
      };
    case 'cancelled':
      return {
        ...base,
        state: 'cancelled',
        at: record.updatedAt,
        text: 'Back in the directory: the scheduled deletion was cancelled.',
      };
    case 'requested':
      return {
        ...base,
        state: 'removing',
        at: record.updatedAt,
        text: record.lastErrorMessage
          ? `Removal under way (${asked}), still trying after ${record.attempts} attempts: ${record.lastErrorMessage}`
          : `Removal under way (${asked}).`,
      };
  }
}

const exchangeWords: Record<NonNullable<RemovalRecord['exchange']>, string> = {
  deleted: 'the Exchange photo was deleted',
  none: 'Exchange had no photo',
  'no-mailbox': 'no Exchange mailbox to hold a photo',
  'on-premises': 'the mailbox is on-premises: remove the photo there (Remove-UserPhoto)',
  off: '',
  'not-in-directory': 'the Exchange photo went with the account',
};

function day(iso: string): string {
  return iso.slice(0, 10);
}
