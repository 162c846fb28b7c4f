// How fast reconcilePhotos reads photo metadata, and so how often it sees each person: on a tenant that does not
// notify photo changes (real-tenant.md: most do not), reconcile *is* the propagation path, so its pace sets the
// latency people see.
//
// Limits that apply (https://learn.microsoft.com/graph/throttling-limits):
// - JSON $batch holds at most 20 requests and each counts individually against the limits below.
// - Photo reads are served by Exchange: 10,000 requests per 10 minutes and 4 concurrent requests per app *per
//   mailbox*. A pass reads each mailbox once, so per-mailbox limits are never approached; what matters is the
//   tenant-wide load we add, which the admin caps with RECONCILE_GRAPH_REQUESTS_PER_MINUTE.
// - Graph global: 130,000 requests per 10 s per app (780,000 per minute). Entra ID (GET /users, 999 per page):
//   8,000 resource units per 10 s for tenants over 500 users; a page costs a handful of units.
// Default budget: 12,000 requests per minute (200 photo reads per second, 1.5 % of Graph's global limit). A pass
// over N users then takes N / 200 s: 50 s for 10,000 users, 8.3 minutes for 100,000. The timer runs every minute
// and each run works for at most RUN_BUDGET_MS, continuing from the checkpoint the last run left, so the cadence is
// max(1 minute, one pass) and follows the tenant's size and the budget, not a fixed schedule.

/** NCRONTAB: every minute. A constant, not `%SETTING%`: a missing setting would stop the app from indexing. */
export const RECONCILE_SCHEDULE = '0 */1 * * * *';
export const RECONCILE_PERIOD_MS = 60_000;

export const GRAPH_BATCH_LIMIT = 20;
export const USERS_PAGE_SIZE = 999;
export const DEFAULT_GRAPH_REQUESTS_PER_MINUTE = 12_000;
/** Graph's published global limit per app, for reports: 130,000 requests per 10 seconds. */
export const GRAPH_GLOBAL_REQUESTS_PER_MINUTE = 780_000;
/** Below the timer period (runs never overlap) and host.json's 5-minute functionTimeout. */
export const RUN_BUDGET_MS = 50_000;

export interface ReconcilePacing {
  batchSize: number;
  /** Batches in flight at once. */
  concurrency: number;
  /** Upper bound on batch starts per second. */
  batchesPerSecond: number;
  /** Stop starting new batches after this long; the next run continues from the checkpoint. */
  runBudgetMs: number;
}

/** The pace that spends at most `requestsPerMinute` Graph requests a minute on photo metadata. */
export function pacingForBudget(requestsPerMinute: number = DEFAULT_GRAPH_REQUESTS_PER_MINUTE): ReconcilePacing {
  const batchesPerSecond = requestsPerMinute / 60 / GRAPH_BATCH_LIMIT;
  return {
    batchSize: GRAPH_BATCH_LIMIT,
    // Enough batches in flight to keep the pace with Graph's ~0.5-1 s per batch, never an unbounded fan-out.
    concurrency: Math.min(16, Math.max(2, Math.ceil(batchesPerSecond))),
    batchesPerSecond,
    runBudgetMs: RUN_BUDGET_MS,
  };
}

export const DEFAULT_RECONCILE_PACING: ReconcilePacing = pacingForBudget();

/** Milliseconds one pass over `userCount` users takes at the paced rate, ignoring Graph's own latency. */
export function passMs(userCount: number, pacing: ReconcilePacing = DEFAULT_RECONCILE_PACING): number {
  return (Math.ceil(userCount / pacing.batchSize) / pacing.batchesPerSecond) * 1000;
}

/**
 * The longest a change made in Outlook/Teams waits for reconcile to see it: it lands just after the pass read that
 * person, so it waits for the rest of this pass and the next one up to that person (one pass, at least one timer
 * period), plus Graph's read-after-write lag (reads show the change only after it), plus the processing after.
 */
export function worstCaseLatencyMs(options: {
  passMs: number;
  readLagMs: number;
  processingMs: number;
  periodMs?: number;
}): number {
  const cadence = Math.max(options.periodMs ?? RECONCILE_PERIOD_MS, options.passMs);
  return options.readLagMs + cadence + options.processingMs;
}
