import type { PhotoChangeMessage } from '../../../../src/pipeline/messages/messageContracts';
import {
  reconcilePhotos,
  type MetadataFailure,
  type ReconcileOptions,
} from '../../../../src/pipeline/photoChange/reconcilePhotos';
import type { PhotoMetadata } from '../../../../src/pipeline/photoChange/decidePhotoChange';
import type { ReconcileCheckpoint } from '../../../../src/pipeline/photoChange/ReconcileCheckpoint';
import {
  DEFAULT_RECONCILE_PACING,
  GRAPH_GLOBAL_REQUESTS_PER_MINUTE,
  pacingForBudget,
  passMs,
  worstCaseLatencyMs,
} from '../../../../src/pipeline/photoChange/reconcilePacing';
import { skipRules, type DirectoryAccount } from '../../../../src/pipeline/photoChange/worthSyncing';

/** Graph's answer to a failed call, as the M365 adapters throw it. */
class GraphFailure extends Error {
  readonly service = 'graph';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(`${status} ${code}`);
  }
}

/**
 * A directory of `count` users, a checkpoint table, and a virtual clock that only moves when the pacer waits or Graph
 * answers.
 */
function tenant(count: number, options: { pageSize?: number; latencyMs?: number } = {}) {
  const accounts: DirectoryAccount[] = Array.from({ length: count }, (_, i) => {
    const id = `user-${String(i).padStart(5, '0')}`;
    return { id, userPrincipalName: `${id}@contoso.com`, userType: 'Member', accountEnabled: true, licenceCount: 1 };
  });
  const photos = new Map<string, PhotoMetadata | MetadataFailure>(
    accounts.map(({ id }) => [id, { mediaEtag: `e-${id}`, width: 96, height: 96 }]),
  );
  const seen = new Map<string, string>(accounts.map(({ id }) => [id, `e-${id}`]));
  let clock = 0;
  let inFlight = 0;
  const batches: string[][] = [];
  const pageReads: Array<string | undefined> = [];
  const saved: ReconcileCheckpoint[] = [];
  const waits: number[] = [];
  let stored: ReconcileCheckpoint | undefined;
  const stats = { maxInFlight: 0 };
  const enqueued: PhotoChangeMessage[] = [];
  const pageSize = options.pageSize ?? 999;
  const latency = options.latencyMs ?? 0;
  /** Failures to throw, in order, before the next answers (whole `$batch` or page). */
  const batchFaults: Error[] = [];
  const pageFaults: Error[] = [];
  /** One-shot inner answers that replace an item's answer once. */
  const innerOnce = new Map<string, MetadataFailure>();
  const reconcile: ReconcileOptions = {
    readUserPage: (nextLink) => {
      pageReads.push(nextLink);
      const fault = pageFaults.shift();
      if (fault) return Promise.reject(fault);
      if (nextLink !== undefined && !nextLink.startsWith('page:')) {
        return Promise.reject(new GraphFailure(400, 'Request_InvalidSkipToken', false));
      }
      const offset = nextLink === undefined ? 0 : Number(nextLink.slice(5));
      const next = offset + pageSize < accounts.length ? `page:${offset + pageSize}` : undefined;
      return Promise.resolve({
        accounts: accounts.slice(offset, offset + pageSize),
        ...(next ? { nextLink: next } : {}),
      });
    },
    batchGetPhotoMetadata: async (userIds) => {
      batches.push(userIds);
      inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      await Promise.resolve();
      clock += latency;
      inFlight -= 1;
      const fault = batchFaults.shift();
      if (fault) throw fault;
      return new Map(
        userIds.map((id) => {
          const once = innerOnce.get(id);
          innerOnce.delete(id);
          return [id, once ?? photos.get(id)];
        }),
      );
    },
    seenMediaEtags: (userIds) =>
      Promise.resolve(new Map(userIds.filter((id) => seen.has(id)).map((id) => [id, [seen.get(id) as string]]))),
    checkpoint: {
      load: () => Promise.resolve(stored && structuredClone(stored)),
      save: (checkpoint) => {
        stored = structuredClone(checkpoint);
        saved.push(stored);
        return Promise.resolve();
      },
    },
    skip: { rules: skipRules },
    now: () => clock,
    delay: (ms) => {
      waits.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    newCorrelationId: () => 'corr',
    enqueue: (changes) => {
      enqueued.push(...changes);
      return Promise.resolve();
    },
    random: () => 0.5,
  };
  return {
    accounts,
    photos,
    seen,
    reconcile,
    enqueued,
    batches,
    pageReads,
    saved,
    waits,
    batchFaults,
    pageFaults,
    innerOnce,
    stats,
    checkpoint: () => stored,
    readIds: () => batches.flat(),
  };
}

const queuedIds = (t: ReturnType<typeof tenant>) => t.enqueued.map((m) => m.photoChange.userId).sort();

describe('reconcilePhotos', () => {
  it('queues exactly the users whose photo etag differs from what we last saw', async () => {
    const t = tenant(95, { pageSize: 40 });
    t.photos.set('user-00007', { mediaEtag: 'changed-in-outlook', width: 96, height: 96 });
    t.photos.set('user-00061', { mediaEtag: 'changed-in-teams', width: 96, height: 96 });
    const report = await reconcilePhotos(t.reconcile);
    expect(queuedIds(t)).toEqual(['user-00007', 'user-00061']);
    expect(t.enqueued.every((m) => m.photoChange.source === 'reconcile')).toBe(true);
    expect(report).toMatchObject({ usersSeen: 95, changed: 2, pages: 3, passCompleted: true, startPage: 1 });
  });

  it('reads metadata 20 users per $batch', async () => {
    const t = tenant(95, { pageSize: 40 });
    await reconcilePhotos(t.reconcile);
    expect(Math.max(...t.batches.map((b) => b.length))).toBe(20);
    expect(t.readIds()).toHaveLength(95);
  });

  it('queues a removed photo once it was seen before, and skips users who never had one', async () => {
    const t = tenant(3);
    t.photos.delete('user-00000');
    t.photos.delete('user-00001');
    t.seen.delete('user-00001');
    await reconcilePhotos(t.reconcile);
    expect(queuedIds(t)).toEqual(['user-00000']);
  });

  it('saves a checkpoint after every page, moving past it only once its changes are queued', async () => {
    const t = tenant(95, { pageSize: 40 });
    t.photos.set('user-00045', { mediaEtag: 'changed', width: 96, height: 96 });
    let queuedBeforeSecondCheckpoint = false;
    const enqueue = t.reconcile.enqueue;
    await reconcilePhotos({
      ...t.reconcile,
      enqueue: async (changes) => {
        queuedBeforeSecondCheckpoint = t.saved.length === 1;
        await enqueue(changes);
      },
    });
    expect(queuedBeforeSecondCheckpoint).toBe(true);
    expect(t.saved.map((c) => c.nextLink)).toEqual(['page:40', 'page:80', undefined]);
    expect(t.checkpoint()).toMatchObject({ pagesDone: 0, lastPass: { usersChecked: 95 } });
  });

  it('continues where the last run stopped: two runs cut short by their budget cover everyone once', async () => {
    const t = tenant(300, { pageSize: 50, latencyMs: 100 });
    t.photos.set('user-00020', { mediaEtag: 'changed', width: 96, height: 96 });
    t.photos.set('user-00280', { mediaEtag: 'changed', width: 96, height: 96 });
    const pacing = { ...DEFAULT_RECONCILE_PACING, batchesPerSecond: 2, concurrency: 1, runBudgetMs: 4_000 };
    const first = await reconcilePhotos({ ...t.reconcile, pacing });
    expect(first.passCompleted).toBe(false);
    expect(first.pages).toBeGreaterThan(0);
    const reports = [first];
    while (!reports[reports.length - 1]?.passCompleted && reports.length < 20) {
      reports.push(await reconcilePhotos({ ...t.reconcile, pacing }));
    }
    expect(reports[1]?.startPage).toBe(first.pages + 1);
    expect(t.readIds().sort()).toEqual(t.accounts.map((a) => a.id));
    expect(queuedIds(t)).toEqual(['user-00020', 'user-00280']);
    // Only the first run read page 1.
    expect(t.pageReads.filter((link) => link === undefined)).toHaveLength(1);
  });

  it('retries a $batch that failed as a whole on its own, after its Retry-After, and the pass goes on', async () => {
    const t = tenant(60);
    t.photos.set('user-00003', { mediaEtag: 'changed', width: 96, height: 96 });
    t.batchFaults.push(new GraphFailure(503, 'ServiceUnavailable', true, 7_000));
    const report = await reconcilePhotos(t.reconcile);
    expect(t.waits).toContain(7_000);
    expect(report).toMatchObject({ passCompleted: true, failures: 0, retries: 1, usersSeen: 60, pendingRetries: 0 });
    expect(queuedIds(t)).toEqual(['user-00003']);
  });

  it('keeps the people of a $batch that keeps failing for the next run, which reads them first', async () => {
    const t = tenant(60);
    t.photos.set('user-00001', { mediaEtag: 'changed', width: 96, height: 96 });
    const fault = () => new GraphFailure(504, 'GatewayTimeout', true);
    t.batchFaults.push(fault(), fault(), fault());
    const first = await reconcilePhotos({ ...t.reconcile, pacing: { ...DEFAULT_RECONCILE_PACING, concurrency: 1 } });
    expect(first).toMatchObject({ passCompleted: true, pendingRetries: 20, usersSeen: 40 });
    expect(t.checkpoint()?.retryUserIds).toHaveLength(20);
    expect(queuedIds(t)).toEqual([]);

    const kept = t.checkpoint()?.retryUserIds ?? [];
    const readBefore = t.batches.length;
    const second = await reconcilePhotos(t.reconcile);
    expect(t.batches[readBefore]).toEqual(kept);
    expect(second.pendingRetries).toBe(0);
    expect(queuedIds(t)).toEqual(['user-00001']);
  });

  it('honours each inner 429’s Retry-After and reads those people again in the same run', async () => {
    const t = tenant(40);
    t.photos.set('user-00005', { mediaEtag: 'changed', width: 96, height: 96 });
    t.innerOnce.set('user-00005', {
      userId: 'user-00005',
      status: 429,
      code: 'ApplicationThrottled',
      retryable: true,
      retryAfterMs: 3_000,
    });
    t.innerOnce.set('user-00006', {
      userId: 'user-00006',
      status: 429,
      code: 'ApplicationThrottled',
      retryable: true,
      retryAfterMs: 9_000,
    });
    const report = await reconcilePhotos(t.reconcile);
    expect(t.waits).toContain(9_000);
    expect(t.batches.some((b) => b.length === 2 && b.includes('user-00005') && b.includes('user-00006'))).toBe(true);
    expect(report).toMatchObject({ failures: 0, retries: 2, usersSeen: 40 });
    expect(queuedIds(t)).toEqual(['user-00005']);
  });

  it('leaves an inner 429 whose Retry-After outlasts the run to the next run', async () => {
    const t = tenant(40);
    t.innerOnce.set('user-00009', {
      userId: 'user-00009',
      status: 429,
      code: 'ApplicationThrottled',
      retryable: true,
      retryAfterMs: 10 * 60_000,
    });
    const report = await reconcilePhotos(t.reconcile);
    expect(report.pendingRetries).toBe(1);
    expect(t.checkpoint()?.retryUserIds).toEqual(['user-00009']);
    expect(t.waits.every((w) => w < 60_000)).toBe(true);
  });

  it('counts a permanent per-user failure (no mailbox) without retrying or queueing it', async () => {
    const t = tenant(5);
    t.photos.set('user-00002', {
      userId: 'user-00002',
      status: 404,
      code: 'ErrorNonExistentMailbox',
      retryable: false,
    });
    const report = await reconcilePhotos(t.reconcile);
    expect(report).toMatchObject({ failures: 1, retries: 0, pendingRetries: 0 });
    expect(t.enqueued).toHaveLength(0);
  });

  it('skips guests, disabled and unlicensed accounts and a UPN pattern, and reads everyone else', async () => {
    const t = tenant(6);
    const [guest, disabled, unlicensed, room] = t.accounts;
    Object.assign(guest ?? {}, { userType: 'Guest' });
    Object.assign(disabled ?? {}, { accountEnabled: false });
    Object.assign(unlicensed ?? {}, { licenceCount: 0 });
    Object.assign(room ?? {}, { userPrincipalName: 'mtr-boardroom@contoso.com' });
    const report = await reconcilePhotos({ ...t.reconcile, skip: { rules: skipRules, upnPattern: /^mtr-/i } });
    expect(report.skipped).toBe(4);
    expect(t.readIds()).toEqual(['user-00004', 'user-00005']);

    const all = tenant(6);
    Object.assign(all.accounts[0] ?? {}, { userType: 'Guest', accountEnabled: false, licenceCount: 0 });
    await reconcilePhotos({ ...all.reconcile, skip: { rules: [] } });
    expect(all.readIds()).toHaveLength(6);
  });

  it('retries a user page that failed, and starts the pass again when Graph no longer accepts the saved link', async () => {
    const t = tenant(100, { pageSize: 40 });
    t.pageFaults.push(new GraphFailure(503, 'ServiceUnavailable', true, 2_000));
    const report = await reconcilePhotos(t.reconcile);
    expect(report).toMatchObject({ passCompleted: true, usersSeen: 100, retries: 1 });

    const stale = tenant(100, { pageSize: 40 });
    await stale.reconcile.checkpoint.save({
      nextLink: 'expired-token',
      pagesDone: 1,
      usersChecked: 40,
      retryUserIds: [],
    });
    const restarted = await reconcilePhotos(stale.reconcile);
    expect(restarted).toMatchObject({ passCompleted: true, usersSeen: 100 });
    expect(stale.pageReads.slice(0, 2)).toEqual(['expired-token', undefined]);
  });

  it('keeps to the budget’s pace and concurrency', async () => {
    const t = tenant(2_000, { latencyMs: 50 });
    const pacing = pacingForBudget(6_000);
    expect(pacing.batchesPerSecond).toBe(5);
    const report = await reconcilePhotos({ ...t.reconcile, pacing });
    expect(t.stats.maxInFlight).toBeLessThanOrEqual(pacing.concurrency);
    // 100 batches at 5 batch starts per second take at least 99 intervals of 200 ms.
    expect(report.elapsedMs).toBeGreaterThanOrEqual(99 * 200);
    expect(report.graphRequests).toBe(2_000 + report.pages);
  });

  it('derives the cadence from tenant size and budget: 10,000 users ≤ 5 minutes, 100,000 ≤ 15, at the default budget', () => {
    const latency = (users: number) =>
      worstCaseLatencyMs({ passMs: passMs(users), readLagMs: 60_000, processingMs: 30_000 });
    expect(latency(10_000)).toBeLessThanOrEqual(5 * 60_000);
    expect(latency(100_000)).toBeLessThanOrEqual(15 * 60_000);
    // A smaller budget slows the pass in proportion.
    expect(passMs(100_000, pacingForBudget(6_000))).toBe(2 * passMs(100_000));
    expect(DEFAULT_RECONCILE_PACING.batchesPerSecond * 20 * 60).toBeLessThan(GRAPH_GLOBAL_REQUESTS_PER_MINUTE / 50);
  });

  it('covers 10,000 users within two runs (one minute) at the default budget', async () => {
    const t = tenant(10_000, { latencyMs: 50 });
    const first = await reconcilePhotos(t.reconcile);
    const second = first.passCompleted ? first : await reconcilePhotos(t.reconcile);
    expect(second.passCompleted).toBe(true);
    expect(new Set(t.readIds()).size).toBe(10_000);
    expect(first.elapsedMs).toBeLessThanOrEqual(DEFAULT_RECONCILE_PACING.runBudgetMs + 1_000);
  });
});
