import { peopleManagerTenantCap, RequestPolicy, sharePointCallCosts } from '../../../dev/m365-emulator/RequestPolicy';

function policyAt(start = 0): { policy: RequestPolicy; clock: { now: number } } {
  const clock = { now: start };
  return { policy: new RequestPolicy(() => clock.now), clock };
}

describe('SharePoint throttling: a per-app quota that resets whole at the end of each window', () => {
  it('admits the limit per window, then refuses until the quota resets, with the seconds left', () => {
    const { policy, clock } = policyAt(5_000);
    // One unit a call and headers on every eligible answer: this test is about the window arithmetic.
    const perRequest = { read: 1, list: 1, write: 1 };
    policy.setThrottling({
      service: 'sharepoint',
      limit: 10,
      windowMs: 10_000,
      costs: perRequest,
      rateLimitHeaders: 'always',
    });
    const verdicts = Array.from({ length: 10 }, () => policy.throttle('sharepoint', 'app'));
    expect(verdicts.every((v) => v.retryAfterSeconds === undefined)).toBe(true);
    // RateLimit headers from 80 % of the quota on, counting down to the reset of the window.
    expect(verdicts.slice(0, 7).every((v) => Object.keys(v.headers).length === 0)).toBe(true);
    expect(verdicts[7]?.headers).toEqual({
      'ratelimit-limit': '10',
      'ratelimit-remaining': '2',
      'ratelimit-reset': '10',
    });
    clock.now += 3_500;
    const refused = policy.throttle('sharepoint', 'app');
    expect(refused.retryAfterSeconds).toBe(7);
    expect(refused.headers).toEqual({ 'ratelimit-limit': '10', 'ratelimit-remaining': '0', 'ratelimit-reset': '7' });
    // Other apps have their own quota.
    expect(policy.throttle('sharepoint', 'other').retryAfterSeconds).toBeUndefined();

    clock.now = 15_000;
    const next = policy.throttle('sharepoint', 'app');
    expect(next).toEqual({ headers: {} });
    expect(policy.throttleWindows('sharepoint').filter((w) => w.appId === 'app')).toEqual([
      {
        appId: 'app',
        startedAt: 5_000,
        endsAt: 15_000,
        limit: 10,
        admitted: 10,
        refused: 1,
        admittedUnits: 10,
        refusedUnits: 1,
      },
      {
        appId: 'app',
        startedAt: 15_000,
        endsAt: 25_000,
        limit: 10,
        admitted: 1,
        refused: 0,
        admittedUnits: 1,
        refusedUnits: 0,
      },
    ]);
  });

  it('lists windows nothing was sent in, so idle time counts against the app', () => {
    const { policy, clock } = policyAt();
    policy.setThrottling({ service: 'sharepoint', limit: 5, windowMs: 1_000 });
    policy.throttle('sharepoint', 'app');
    clock.now = 2_500;
    policy.throttle('sharepoint', 'app');
    expect(policy.throttleWindows('sharepoint').map((w) => w.admitted)).toEqual([1, 0, 1]);
  });

  it('starts afresh when throttling is set again, and stops when the limit is removed', () => {
    const { policy } = policyAt();
    policy.setThrottling({ service: 'sharepoint', limit: 2, windowMs: 60_000 });
    policy.throttle('sharepoint', 'app');
    expect(policy.throttle('sharepoint', 'app').retryAfterSeconds).toBe(60);
    policy.setThrottling({ service: 'sharepoint', limit: 2, windowMs: 60_000 });
    expect(policy.throttle('sharepoint', 'app').retryAfterSeconds).toBeUndefined();
    policy.setThrottling({ service: 'sharepoint' });
    expect(policy.throttle('sharepoint', 'app')).toEqual({ headers: {} });
    expect(policy.throttleWindows('sharepoint')).toEqual([]);
  });
});

describe('SharePoint budgets in resource units', () => {
  it('charges each call by kind (default REST costs) and refuses a call the rest of the budget cannot pay', () => {
    const { policy } = policyAt();
    policy.setThrottling({ service: 'sharepoint', limit: 10, windowMs: 60_000, rateLimitHeaders: 'never' });
    expect(sharePointCallCosts).toEqual({ read: 2, list: 3, write: 4 });
    expect(policy.throttle('sharepoint', 'app', 'write').retryAfterSeconds).toBeUndefined(); // 4
    expect(policy.throttle('sharepoint', 'app', 'list').retryAfterSeconds).toBeUndefined(); // 7
    // 3 left: a write (4) is refused, a read (2) still fits.
    expect(policy.throttle('sharepoint', 'app', 'write').retryAfterSeconds).toBe(60);
    expect(policy.throttleWindows('sharepoint')[0]).toMatchObject({ admittedUnits: 7, refusedUnits: 4 });
  });

  it('counts throttled calls against the budget, as SharePoint documents', () => {
    const { policy, clock } = policyAt();
    policy.setThrottling({
      service: 'sharepoint',
      limit: 4,
      windowMs: 1_000,
      window: 'sliding',
      rateLimitHeaders: 'never',
    });
    policy.throttle('sharepoint', 'app', 'read');
    policy.throttle('sharepoint', 'app', 'read');
    clock.now = 500;
    expect(policy.throttle('sharepoint', 'app', 'read').retryAfterSeconds).toBe(1); // refused, still spends 2
    clock.now = 1_001;
    // The first two reads have left the window, the refused one has not: a write (4) would fit an empty budget.
    expect(policy.throttle('sharepoint', 'app', 'write').retryAfterSeconds).toBe(1);
    expect(policy.stats().throttledBy).toEqual({ sharepoint: 2 });
  });

  it('sends RateLimit-* with every other answer from 80 % on by default (best effort), never when told so', () => {
    const { policy } = policyAt();
    const perRequest = { read: 1, list: 1, write: 1 };
    policy.setThrottling({ service: 'sharepoint', limit: 10, windowMs: 60_000, costs: perRequest });
    const verdicts = Array.from({ length: 11 }, () => policy.throttle('sharepoint', 'app'));
    const withHeaders = verdicts.map((v) => 'ratelimit-remaining' in v.headers);
    expect(withHeaders).toEqual([false, false, false, false, false, false, false, true, false, true, false]);
    expect(verdicts[10]?.retryAfterSeconds).toBe(60);
    policy.setThrottling({
      service: 'sharepoint',
      limit: 2,
      windowMs: 60_000,
      costs: perRequest,
      rateLimitHeaders: 'never',
    });
    const never = Array.from({ length: 3 }, () => policy.throttle('sharepoint', 'app'));
    expect(never.map((v) => v.headers)).toEqual([{}, {}, {}]);
    expect(never[2]?.retryAfterSeconds).toBe(60);
  });
});

describe('the tenant-wide PeopleManager cap', () => {
  it('admits 3,000 calls per 5 minutes over all apps by default, then 429s with Retry-After only', () => {
    const { policy, clock } = policyAt();
    expect(peopleManagerTenantCap).toEqual({ limit: 3_000, windowMs: 300_000 });
    for (let i = 0; i < 3_000; i++) expect(policy.enterPeopleManagerCap()).toEqual({});
    clock.now = 60_000;
    expect(policy.enterPeopleManagerCap()).toEqual({ retryAfterSeconds: 240 });
    expect(policy.stats().throttledBy).toEqual({ peopleManagerCap: 1 });
    clock.now = 300_001;
    expect(policy.enterPeopleManagerCap()).toEqual({});
  });
});

describe('Graph throttling: a sliding log', () => {
  it('frees each unit windowMs after it was used; Retry-After rounds the wait up to whole seconds', () => {
    const { policy, clock } = policyAt();
    policy.setThrottling({ service: 'graph', limit: 2, windowMs: 1_000 });
    expect(policy.throttle('graph', 'app').retryAfterSeconds).toBeUndefined();
    clock.now = 600;
    expect(policy.throttle('graph', 'app').retryAfterSeconds).toBeUndefined();
    clock.now = 700;
    expect(policy.throttle('graph', 'app')).toEqual({ retryAfterSeconds: 1, headers: {} });
    clock.now = 1_001;
    expect(policy.throttle('graph', 'app').retryAfterSeconds).toBeUndefined();
    clock.now = 1_100;
    expect(policy.throttle('graph', 'app').retryAfterSeconds).toBe(1);
    expect(policy.throttleWindows('graph')).toEqual([]);
  });

  it('can be given fixed windows like SharePoint', () => {
    const { policy, clock } = policyAt();
    policy.setThrottling({ service: 'graph', limit: 1, windowMs: 4_000, window: 'fixed' });
    policy.throttle('graph', 'app');
    clock.now = 1_000;
    expect(policy.throttle('graph', 'app').retryAfterSeconds).toBe(3);
    expect(policy.throttleWindows('graph')).toHaveLength(1);
  });
});
