// The guarantee behind the webhook, and on most tenants the only path: Graph does not notify `/users` subscribers of
// photo changes (real-tenant.md), so a timer walks every user worth syncing (worthSyncing.ts), reads photo metadata
// 20 users per `$batch`, and queues a photo change for each user whose mediaEtag differs from the ones we handled.
// Resilient by page (issue 11):
// - a checkpoint after every page (ReconcileCheckpoint): the next run continues where this one stopped;
// - a `$batch` that fails as a whole is retried on its own (Retry-After, else backoff); still failing, its people are
//   kept for the next run, and the pass goes on;
// - each inner 429/503/504 is retried after its own Retry-After (read by src/m365/readThrottleHeaders.ts in the
//   adapter), within the run's budget; what is left is kept for the next run;
// - paced under the admin's Graph request budget (reconcilePacing.ts).

import { decision, type Decision } from '../messages/Decision';
import type { PhotoChangeMessage } from '../messages/messageContracts';
import { photoChangeMessage } from '../messages/photoChangeMessages';
import { isM365Failure } from '../write/M365Failure';
import { etagOf, type PhotoMetadata } from './decidePhotoChange';
import {
  emptyCheckpoint,
  MAX_RETRY_USER_IDS,
  type ReconcileCheckpoint,
  type ReconcileCheckpointPort,
} from './ReconcileCheckpoint';
import { DEFAULT_RECONCILE_PACING, type ReconcilePacing } from './reconcilePacing';
import { skipReason, type DirectoryAccount, type SkipSettings } from './worthSyncing';

/** A user whose metadata read failed inside the batch (throttled, no mailbox...). */
export interface MetadataFailure {
  userId: string;
  status: number;
  code: string;
  /** Whether another try can help (429, 503, 504...). */
  retryable: boolean;
  /** The item's own Retry-After, when it sent one. */
  retryAfterMs?: number;
}

export interface UserPage {
  accounts: DirectoryAccount[];
  /** Graph's `@odata.nextLink`; undefined on the last page. */
  nextLink?: string;
}

export interface ReconcilePorts {
  /** `GET /users?$select=…&$top=999` when `nextLink` is undefined, else that page. */
  readUserPage(nextLink: string | undefined): Promise<UserPage>;
  /** `POST /$batch` of `GET /users/{id}/photo`, at most 20 ids; a missing photo maps to undefined. */
  batchGetPhotoMetadata(userIds: string[]): Promise<Map<string, PhotoMetadata | undefined | MetadataFailure>>;
  /** Per user, the etags we wrote or processed (absent or empty: never seen). */
  seenMediaEtags(userIds: string[]): Promise<Map<string, string[]>>;
  checkpoint: ReconcileCheckpointPort;
}

export interface ReconcileOptions extends ReconcilePorts {
  pacing?: ReconcilePacing;
  skip: SkipSettings;
  now: () => number;
  /** Waits before starting the next batch when the pace is ahead of schedule, or out a Retry-After. */
  delay: (ms: number) => Promise<void>;
  newCorrelationId: () => string;
  /** Called once per page with the changes found in it, before the checkpoint moves past the page. */
  enqueue: (changes: PhotoChangeMessage[]) => Promise<void>;
  random?: () => number;
}

export interface ReconcileReport {
  /** Page the run started from (1 = a new pass). */
  startPage: number;
  usersSeen: number;
  skipped: number;
  changed: number;
  /** Reads that failed for good this run (no mailbox...) or were kept for the next run. */
  failures: number;
  /** Inner items and whole batches tried again within this run. */
  retries: number;
  /** People kept for the next run to read first. */
  pendingRetries: number;
  batches: number;
  pages: number;
  /** Graph requests spent: each `$batch` item counts, and each user page. */
  graphRequests: number;
  /** True when this run finished a pass. */
  passCompleted: boolean;
  /** How long the pass took, when this run finished it. */
  passMs?: number;
  elapsedMs: number;
}

/** Whole-batch and page tries before their people (or the page) are left to the next run. */
const MAX_TRIES = 3;
/** Inner-429 rounds per batch within a run. */
const MAX_INNER_ROUNDS = 3;

type Answer = PhotoMetadata | undefined | MetadataFailure;

function isFailure(value: Answer): value is MetadataFailure {
  return value !== undefined && 'status' in value;
}

function backoffMs(attempt: number, random: () => number): number {
  return Math.round(1000 * 2 ** attempt * (0.5 + random() / 2));
}

export async function reconcilePhotos(options: ReconcileOptions): Promise<ReconcileReport> {
  const pacing = options.pacing ?? DEFAULT_RECONCILE_PACING;
  const random = options.random ?? Math.random;
  const started = options.now();
  const minGapMs = 1000 / pacing.batchesPerSecond;
  let nextStartAt = started;
  const checkpoint: ReconcileCheckpoint = (await options.checkpoint.load()) ?? emptyCheckpoint();
  const report: ReconcileReport = {
    startPage: checkpoint.pagesDone + 1,
    usersSeen: 0,
    skipped: 0,
    changed: 0,
    failures: 0,
    retries: 0,
    pendingRetries: 0,
    batches: 0,
    pages: 0,
    graphRequests: 0,
    passCompleted: false,
    elapsedMs: 0,
  };
  const remainingMs = (): number => pacing.runBudgetMs - (options.now() - started);
  const overBudget = (): boolean => remainingMs() <= 0;
  /** Waits `ms` if the run's budget allows it; false when it does not (the caller leaves the work to the next run). */
  const waitWithinBudget = async (ms: number): Promise<boolean> => {
    if (ms >= remainingMs()) return false;
    if (ms > 0) await options.delay(ms);
    return true;
  };
  const paced = async (): Promise<void> => {
    const wait = nextStartAt - options.now();
    nextStartAt = Math.max(nextStartAt, options.now()) + minGapMs;
    if (wait > 0) await options.delay(wait);
  };

  /** One batch's answers, with whole-batch failures and inner throttling retried; `carry` gets who is left. */
  const readBatch = async (userIds: string[], carry: string[]): Promise<Map<string, Answer>> => {
    const answers = new Map<string, Answer>();
    let pending = userIds;
    for (let round = 0; pending.length > 0; round++) {
      let result: Map<string, Answer> | undefined;
      for (let attempt = 0; result === undefined; attempt++) {
        await paced();
        report.batches += 1;
        report.graphRequests += pending.length;
        try {
          result = await options.batchGetPhotoMetadata(pending);
        } catch (error) {
          // Not a Graph answer, or one no retry can change (401, 403): a fault to surface, not to hide.
          if (!isM365Failure(error) || !error.retryable) throw error;
          const wait = error.retryAfterMs ?? backoffMs(attempt, random);
          if (attempt + 1 >= MAX_TRIES || !(await waitWithinBudget(wait))) {
            carry.push(...pending);
            return answers;
          }
          report.retries += 1;
        }
      }
      const throttled: string[] = [];
      let waitMs = 0;
      for (const userId of pending) {
        const answer = result.get(userId);
        if (isFailure(answer) && answer.retryable) {
          throttled.push(userId);
          waitMs = Math.max(waitMs, answer.retryAfterMs ?? backoffMs(round, random));
        } else {
          answers.set(userId, answer);
        }
      }
      if (throttled.length === 0) break;
      if (round + 1 >= MAX_INNER_ROUNDS || !(await waitWithinBudget(waitMs))) {
        carry.push(...throttled);
        break;
      }
      report.retries += throttled.length;
      pending = throttled;
    }
    return answers;
  };

  /** Reads and compares a list of people: the changes found, who waits for the next run, and whether time ran out. */
  const checkUsers = async (
    userIds: string[],
  ): Promise<{ changes: PhotoChangeMessage[]; carry: string[]; unfinished: boolean }> => {
    const batches: string[][] = [];
    for (let i = 0; i < userIds.length; i += pacing.batchSize) batches.push(userIds.slice(i, i + pacing.batchSize));
    const changes: PhotoChangeMessage[] = [];
    const carry: string[] = [];
    let unfinished = false;
    let next = 0;
    // A small worker pool: `concurrency` batches in flight, batch starts spaced by 1/batchesPerSecond.
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        if (overBudget()) {
          unfinished = true;
          return;
        }
        const batch = batches[next++] as string[];
        const [metadata, seenEtags] = await Promise.all([readBatch(batch, carry), options.seenMediaEtags(batch)]);
        for (const userId of batch) {
          if (!metadata.has(userId)) continue;
          report.usersSeen += 1;
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
      }
    };
    await Promise.all(Array.from({ length: Math.min(pacing.concurrency, batches.length) }, worker));
    return { changes, carry, unfinished };
  };

  const finish = async (carry: string[]): Promise<ReconcileReport> => {
    checkpoint.retryUserIds = [...new Set(carry)].slice(0, MAX_RETRY_USER_IDS);
    report.pendingRetries = checkpoint.retryUserIds.length;
    report.failures += carry.length;
    await options.checkpoint.save(checkpoint);
    report.elapsedMs = options.now() - started;
    return report;
  };

  // 1. Who the last run could not read, first.
  let carry: string[] = [];
  const retriedFirst = new Set(checkpoint.retryUserIds);
  if (checkpoint.retryUserIds.length > 0) {
    const retried = await checkUsers(checkpoint.retryUserIds);
    if (retried.changes.length > 0) await options.enqueue(retried.changes);
    report.changed += retried.changes.length;
    carry = retried.carry;
    // Out of time within 500 people: all of them again next run (a few reads twice costs less than bookkeeping).
    if (retried.unfinished) return finish([...checkpoint.retryUserIds]);
  }

  // 2. The pass, page by page from the checkpoint.
  while (!overBudget()) {
    let page: UserPage | undefined;
    for (let attempt = 0; page === undefined; attempt++) {
      try {
        report.graphRequests += 1;
        page = await options.readUserPage(checkpoint.nextLink);
      } catch (error) {
        if (!isM365Failure(error)) throw error;
        if (!error.retryable && checkpoint.nextLink !== undefined) {
          // A stored nextLink Graph no longer accepts (skip tokens are not forever): start this pass again at page 1.
          Object.assign(checkpoint, { nextLink: undefined, pagesDone: 0, usersChecked: 0 });
          continue;
        }
        if (!error.retryable) throw error;
        const wait = error.retryAfterMs ?? backoffMs(attempt, random);
        if (attempt + 1 >= MAX_TRIES || !(await waitWithinBudget(wait))) return finish(carry);
        report.retries += 1;
      }
    }
    checkpoint.passStartedAt ??= new Date(options.now()).toISOString();
    const worth: string[] = [];
    for (const account of page.accounts) {
      if (skipReason(account, options.skip)) report.skipped += 1;
      // Read a moment ago from the retry list: once per run is enough.
      else if (!retriedFirst.has(account.id)) worth.push(account.id);
    }
    const checked = await checkUsers(worth);
    if (checked.changes.length > 0) await options.enqueue(checked.changes);
    report.changed += checked.changes.length;
    carry.push(...checked.carry);
    // Out of time within the page: the checkpoint stays before it, and the next run reads the page again.
    if (checked.unfinished) return finish(carry);
    report.pages += 1;
    checkpoint.pagesDone += 1;
    checkpoint.usersChecked += worth.length - checked.carry.length;
    if (page.nextLink === undefined) {
      const startedAt = checkpoint.passStartedAt;
      const completedAt = new Date(options.now()).toISOString();
      const durationMs = options.now() - Date.parse(startedAt);
      checkpoint.lastPass = { startedAt, completedAt, usersChecked: checkpoint.usersChecked, durationMs };
      Object.assign(checkpoint, { nextLink: undefined, passStartedAt: undefined, pagesDone: 0, usersChecked: 0 });
      report.passCompleted = true;
      report.passMs = durationMs;
      // One pass per run at most: the next starts with the next timer tick (the cadence, reconcilePacing.ts).
      return finish(carry);
    }
    checkpoint.nextLink = page.nextLink;
    // The page's changes are queued and the checkpoint moves past it: a run stopped here loses nothing.
    await options.checkpoint.save(checkpoint);
  }
  return finish(carry);
}

/** The run's one log line: a warning when people were left for the next run. */
export function reconcileDecision(report: ReconcileReport, timer: { isPastDue: boolean }): Decision {
  const fields = { event: 'photo-reconcile', ...report, isPastDue: timer.isPastDue };
  return decision({ logs: [{ level: report.pendingRetries > 0 ? 'warn' : 'info', fields }] });
}
