// How fast reconcilePhotos reads photo metadata, and why a full pass over 10,000 users fits its schedule.
//
// Limits that apply (https://learn.microsoft.com/graph/throttling-limits):
// - JSON $batch holds at most 20 requests and each counts individually against the limits below.
// - Photo reads are served by Exchange: 10,000 requests per 10 minutes and 4 concurrent requests per app *per
//   mailbox*. A pass reads each mailbox once, so per-mailbox limits are never approached; what matters is the
//   tenant-wide load we add, which we cap ourselves.
// - Graph global: 130,000 requests per 10 s per app. Entra ID (GET /users, 999 per page): 8,000 resource units per
//   10 s for tenants over 500 users; a page costs a handful of units.
// Chosen default: 4 batches in flight, at most 5 batch starts per second = 100 photo reads/s (1,000 per 10 s,
// under 1 % of the global limit). 10,000 users = 500 batches + 11 user pages ≈ 100 s + paging, against a
// 15-minute schedule and a per-run budget of 4 minutes (host.json functionTimeout is 5 minutes).
// Measured against the emulator: see docs/notifications.md.

/** NCRONTAB: every 15 minutes. A constant, not `%SETTING%`: a missing setting would stop the app from indexing. */
export const RECONCILE_SCHEDULE = '0 */15 * * * *';
export const RECONCILE_PERIOD_MS = 15 * 60_000;

export const GRAPH_BATCH_LIMIT = 20;
export const USERS_PAGE_SIZE = 999;

export interface ReconcilePacing {
  batchSize: number;
  /** Batches in flight at once. */
  concurrency: number;
  /** Upper bound on batch starts per second. */
  batchesPerSecond: number;
  /** Stop starting new batches after this long; the next run starts a new pass. */
  runBudgetMs: number;
}

export const DEFAULT_RECONCILE_PACING: ReconcilePacing = {
  batchSize: GRAPH_BATCH_LIMIT,
  concurrency: 4,
  batchesPerSecond: 5,
  runBudgetMs: 4 * 60_000,
};

/** Seconds one pass over `userCount` users takes at the paced rate, ignoring Graph's own latency. */
export function pacedPassSeconds(userCount: number, pacing: ReconcilePacing = DEFAULT_RECONCILE_PACING): number {
  return Math.ceil(userCount / pacing.batchSize) / pacing.batchesPerSecond;
}

/** The largest tenant one run can cover within its budget at the paced rate. */
export function usersPerRun(pacing: ReconcilePacing = DEFAULT_RECONCILE_PACING): number {
  return Math.floor((pacing.runBudgetMs / 1000) * pacing.batchesPerSecond) * pacing.batchSize;
}
