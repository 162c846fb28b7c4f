import { KnownSubscriptionCache } from '../../../../src/pipeline/subscriptions/KnownSubscriptionCache';

function fixture(ids: string[][]) {
  let clock = 0;
  let loads = 0;
  const cache = new KnownSubscriptionCache({
    load: () => Promise.resolve(ids[Math.min(loads++, ids.length - 1)] ?? []),
    now: () => clock,
    minRefreshIntervalMs: 5_000,
  });
  return { cache, loads: () => loads, advance: (ms: number) => (clock += ms) };
}

describe('KnownSubscriptionCache', () => {
  it('loads the ids on first use and answers from memory afterwards', async () => {
    const f = fixture([['a', 'b']]);
    expect(await f.cache.known(['a'])).toEqual(new Set(['a']));
    expect(await f.cache.known(['b', 'a'])).toEqual(new Set(['a', 'b']));
    expect(f.loads()).toBe(1);
  });

  it('reloads at most once per interval when asked about unknown ids', async () => {
    const f = fixture([['a'], ['a', 'new']]);
    await f.cache.known(['a']);
    expect(await f.cache.known(['new'])).toEqual(new Set());
    expect(await f.cache.known(['forged'])).toEqual(new Set());
    expect(f.loads()).toBe(1);
    f.advance(5_000);
    expect(await f.cache.known(['new'])).toEqual(new Set(['new']));
    expect(f.loads()).toBe(2);
  });

  it('shares one load between concurrent lookups', async () => {
    const f = fixture([['a']]);
    await Promise.all([f.cache.known(['a']), f.cache.known(['a']), f.cache.known(['b'])]);
    expect(f.loads()).toBe(1);
  });

  it('knows an id remembered by this process without a reload', async () => {
    const f = fixture([[]]);
    await f.cache.known(['x']);
    f.cache.remember('x');
    expect(await f.cache.known(['x'])).toEqual(new Set(['x']));
    expect(f.loads()).toBe(1);
  });
});
