// Where a reconcile pass stands, saved after every page (table ReconcileCheckpoint): a run that ends (its time
// budget, a host restart, a page Graph keeps refusing) leaves the next run to continue from the page after the last
// one checked, not from page 1, and to retry first the people whose reads failed.

export interface ReconcileCheckpoint {
  /** Graph's `@odata.nextLink` for the next page of the pass under way; undefined: the pass starts at page 1. */
  nextLink?: string;
  /** When the pass under way started (ISO); undefined between passes. */
  passStartedAt?: string;
  pagesDone: number;
  usersChecked: number;
  /** People whose metadata read failed for a reason that may pass (throttled, unavailable): read first next run. */
  retryUserIds: string[];
  lastPass?: { startedAt: string; completedAt: string; usersChecked: number; durationMs: number };
}

/** Table properties hold at most 64 KiB: 500 object ids (36 characters each) stay well under. */
export const MAX_RETRY_USER_IDS = 500;

export const emptyCheckpoint = (): ReconcileCheckpoint => ({ pagesDone: 0, usersChecked: 0, retryUserIds: [] });

export interface ReconcileCheckpointPort {
  load(): Promise<ReconcileCheckpoint | undefined>;
  save(checkpoint: ReconcileCheckpoint): Promise<void>;
}
