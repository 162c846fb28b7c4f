import type { PhotoChangeMessage } from '../../../../src/pipeline/messages/messageContracts';
import {
  reconcilePhotos,
  type MetadataFailure,
  type ReconcileOptions,
} from '../../../../src/pipeline/photoChange/reconcilePhotos';
import type { PhotoMetadata } from '../../../../src/pipeline/photoChange/decidePhotoChange';
import {
  DEFAULT_RECONCILE_PACING,
  pacedPassSeconds,
  RECONCILE_PERIOD_MS,
  usersPerRun,
} from '../../../../src/pipeline/photoChange/reconcilePacing';

/** A directory of `count` users, a virtual clock that only moves when the pacer waits or Graph answers. */
function tenant(count: number, options: { pageSize?: number; latencyMs?: number } = {}) {
  const ids = Array.from({ length: count }, (_, i) => `user-${String(i).padStart(5, '0')}`);
  const photos = new Map<string, PhotoMetadata | MetadataFailure>(
    ids.map((id) => [id, { mediaEtag: `e-${id}`, width: 96, height: 96 }]),
  );
  const seen = new Map<string, string>(ids.map((id) => [id, `e-${id}`]));
  let clock = 0;
  let inFlight = 0;
  const batchSizes: number[] = [];
  const stats = { maxInFlight: 0 };
  const enqueued: PhotoChangeMessage[] = [];
  const pageSize = options.pageSize ?? 999;
  const latency = options.latencyMs ?? 0;
  const reconcile: ReconcileOptions = {
    userIdPages: async function* pages() {
      for (let i = 0; i < ids.length; i += pageSize) yield await Promise.resolve(ids.slice(i, i + pageSize));
    },
    batchGetPhotoMetadata: async (userIds) => {
      batchSizes.push(userIds.length);
      inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      await Promise.resolve();
      clock += latency;
      inFlight -= 1;
      return new Map(userIds.map((id) => [id, photos.get(id)]));
    },
    seenMediaEtags: (userIds) =>
      Promise.resolve(new Map(userIds.filter((id) => seen.has(id)).map((id) => [id, [seen.get(id) as string]]))),
    now: () => clock,
    delay: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
    newCorrelationId: () => 'corr',
    enqueue: (changes) => {
      enqueued.push(...changes);
      return Promise.resolve();
    },
  };
  return { ids, photos, seen, reconcile, enqueued, batchSizes, stats, clock: () => clock };
}

describe('reconcilePhotos', () => {
  it('queues exactly the users whose photo etag differs from what we last saw', async () => {
    const t = tenant(95, { pageSize: 40 });
    t.photos.set('user-00007', { mediaEtag: 'changed-in-outlook', width: 96, height: 96 });
    t.photos.set('user-00061', { mediaEtag: 'changed-in-teams', width: 96, height: 96 });
    const report = await reconcilePhotos(t.reconcile);
    expect(t.enqueued.map((m) => m.photoChange.userId).sort()).toEqual(['user-00007', 'user-00061']);
    expect(t.enqueued.every((m) => m.photoChange.source === 'reconcile')).toBe(true);
    expect(report).toMatchObject({ usersSeen: 95, changed: 2, pages: 3, complete: true });
  });

  it('reads metadata 20 users per $batch', async () => {
    const t = tenant(95, { pageSize: 40 });
    await reconcilePhotos(t.reconcile);
    expect(Math.max(...t.batchSizes)).toBe(20);
    expect(t.batchSizes.reduce((a, b) => a + b, 0)).toBe(95);
  });

  it('queues a removed photo once it was seen before, and skips users who never had one', async () => {
    const t = tenant(3);
    t.photos.delete('user-00000');
    t.photos.delete('user-00001');
    t.seen.delete('user-00001');
    await reconcilePhotos(t.reconcile);
    expect(t.enqueued.map((m) => m.photoChange.userId)).toEqual(['user-00000']);
  });

  it('counts per-user failures without queueing them', async () => {
    const t = tenant(5);
    t.photos.set('user-00002', { userId: 'user-00002', status: 429, code: 'TooManyRequests' });
    const report = await reconcilePhotos(t.reconcile);
    expect(report.failures).toBe(1);
    expect(t.enqueued).toHaveLength(0);
  });

  it('keeps to the configured pace and concurrency', async () => {
    const t = tenant(2_000, { latencyMs: 50 });
    const report = await reconcilePhotos(t.reconcile);
    expect(t.stats.maxInFlight).toBeLessThanOrEqual(DEFAULT_RECONCILE_PACING.concurrency);
    // 100 batches at 5 batch starts per second take at least 99 intervals of 200 ms.
    expect(report.elapsedMs).toBeGreaterThanOrEqual(99 * 200);
  });

  it('stops at its run budget and says the pass is incomplete', async () => {
    const t = tenant(2_000);
    const report = await reconcilePhotos({
      ...t.reconcile,
      pacing: { ...DEFAULT_RECONCILE_PACING, runBudgetMs: 5_000 },
    });
    expect(report.complete).toBe(false);
    expect(report.usersSeen).toBeLessThan(2_000);
    expect(report.usersSeen).toBeGreaterThan(0);
  });

  it('covers 10,000 users well within one schedule period at the default pace', async () => {
    expect(pacedPassSeconds(10_000) * 1000).toBeLessThan(RECONCILE_PERIOD_MS / 5);
    expect(usersPerRun()).toBeGreaterThanOrEqual(20_000);
    const t = tenant(10_000, { latencyMs: 150 });
    const report = await reconcilePhotos(t.reconcile);
    // 10 pages of 999 users (50 batches each, the last one of 19) and a page of 10 users.
    expect(report).toMatchObject({ complete: true, usersSeen: 10_000, pages: 11, batches: 10 * 50 + 1 });
    expect(report.elapsedMs).toBeLessThan(DEFAULT_RECONCILE_PACING.runBudgetMs);
  });
});
