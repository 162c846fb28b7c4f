// Where one target stands for one person, in the words the page uses: written, pending (queued or being written),
// waiting (Microsoft 365 asked us to slow down), failed (with the reason), removed (at HR's request), off
// (SYNC_TARGETS) or none (nothing from us yet). Derived from the writer's PhotoSyncState row and HR's last drop; pure, so the rules are unit tested.

import type { PhotoState } from '../write/PhotoStatePort';
import type { DropRecord } from './StatusPorts';
import { hrReason } from './hrWords';

export type TargetName = 'exchange' | 'sharepoint';
export type TargetState = 'written' | 'pending' | 'waiting' | 'failed' | 'removed' | 'off' | 'none';

export interface TargetView {
  target: TargetName;
  state: TargetState;
  /** The writer's code, for scripts. */
  code?: string;
  /** What HR should know, in HR's words. */
  reason?: string;
  /** When the state was reached (ISO). */
  at?: string;
}

const failed = new Set(['permanent-failure', 'dead-lettered']);
const done = new Set(['written', 'skipped-duplicate', 'skipped-stale']);

export function describeTarget(
  target: TargetName,
  row: PhotoState | undefined,
  lastDrop: DropRecord | undefined,
  options: { enabled: boolean; now: Date },
): TargetView {
  if (!options.enabled) return { target, state: 'off', reason: 'This target is switched off (SYNC_TARGETS).' };
  const at = row?.updatedAt ?? row?.lastWrittenAt;
  const outcome = row?.lastOutcome ?? '';
  const code = row?.lastErrorCode || undefined;
  const base = { target, ...(code ? { code } : {}), ...(at ? { at } : {}) };
  const reason = hrReason(code, row?.lastErrorMessage);
  // A drop newer than anything the writer recorded has not been picked up yet, whatever the row says.
  const dropIsNewer = lastDrop !== undefined && (!at || lastDrop.droppedAt > at);
  if (dropIsNewer && row?.lastContentHash !== lastDrop.contentHash) {
    return { target, state: 'pending', reason: 'The photo is queued for writing.', at: lastDrop.droppedAt };
  }
  if (outcome === 'removed' && row?.removedAt) {
    return {
      target,
      state: 'removed',
      // Graph serves a photo for a while after it changed (read-after-write lag) and Outlook, Teams and SharePoint
      // cache it: the photo this page shows beside the state, read live, can be the removed one for a few minutes.
      reason:
        "The photo was removed at HR's request. Microsoft 365 can go on showing the old one for a while, here too.",
      at: row.removedAt,
    };
  }
  if (row?.writeClaimExpiresAt && row.writeClaimExpiresAt > options.now.toISOString()) {
    return { ...base, state: 'pending', reason: 'The photo is being written now.' };
  }
  if (failed.has(outcome)) return { ...base, state: 'failed', ...(reason ? { reason } : {}) };
  if (outcome === 'rescheduled') return { ...base, state: 'waiting', ...(reason ? { reason } : {}) };
  if (done.has(outcome) && row?.lastContentHash) {
    return { target, state: 'written', at: row.lastWrittenAt ?? at ?? '' };
  }
  if (lastDrop) return { target, state: 'pending', reason: 'The photo is queued for writing.', at: lastDrop.droppedAt };
  return { target, state: 'none', reason: 'No photo has been written by this app yet.' };
}
