// The status page's second view: what HR dropped recently (default 7 days), filterable by outcome, with rejection
// reasons in HR's words, and the same rows as CSV for a spreadsheet.

import type { DropLedgerPort, DropOutcome, DropRecord } from './StatusPorts';
import { hrReason } from './hrWords';

export const DEFAULT_DROP_DAYS = 7;
export const MAX_DROP_DAYS = 90;

export interface RecentDropsQuery {
  days: number;
  outcome?: DropOutcome;
}

export type ParsedDropsQuery = { ok: true; query: RecentDropsQuery } | { ok: false; message: string };

export function parseDropsQuery(days: string | null, outcome: string | null): ParsedDropsQuery {
  const n = days === null || days === '' ? DEFAULT_DROP_DAYS : Number(days);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DROP_DAYS) {
    return { ok: false, message: `days must be a whole number from 1 to ${MAX_DROP_DAYS}; received "${days}".` };
  }
  if (!outcome) return { ok: true, query: { days: n } };
  if (outcome !== 'accepted' && outcome !== 'rejected') {
    return { ok: false, message: `outcome must be accepted or rejected; received "${outcome}".` };
  }
  return { ok: true, query: { days: n, outcome } };
}

export interface DropRow extends DropRecord {
  /** The rejection reason in HR's words (rejected drops only). */
  reason?: string;
}

export async function recentDrops(
  query: RecentDropsQuery,
  options: { drops: Pick<DropLedgerPort, 'listDrops'>; now: Date },
): Promise<DropRow[]> {
  const since = new Date(options.now.getTime() - query.days * 24 * 60 * 60 * 1000);
  const drops = await options.drops.listDrops({ since });
  return drops
    .filter((d) => d.droppedAt >= since.toISOString() && (!query.outcome || d.outcome === query.outcome))
    .sort((a, b) => b.droppedAt.localeCompare(a.droppedAt))
    .map((d) => {
      const reason = d.outcome === 'rejected' ? hrReason(d.rejectionCode, d.rejectionMessage) : undefined;
      return reason ? { ...d, reason } : d;
    });
}

/** CSV columns, in order: the header row a spreadsheet shows. */
export const dropCsvColumns = [
  { key: 'droppedAt', header: 'Dropped at (UTC)' },
  { key: 'name', header: 'File' },
  { key: 'outcome', header: 'Outcome' },
  { key: 'userId', header: 'Person (object id)' },
  { key: 'rejectionCode', header: 'Rejection code' },
  { key: 'reason', header: 'Reason' },
  { key: 'location', header: 'Stored at' },
] as const;
