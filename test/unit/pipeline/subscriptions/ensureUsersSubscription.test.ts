import {
  decideSubscriptionAction,
  MAX_USER_SUBSCRIPTION_MINUTES,
  type StoredSubscription,
} from '../../../../src/pipeline/subscriptions/decideSubscriptionAction';
import {
  ensureUsersSubscription,
  reauthorizeSubscription,
} from '../../../../src/pipeline/subscriptions/ensureUsersSubscription';
import type {
  GraphSubscriptionsPort,
  SubscriptionRequest,
  SubscriptionStorePort,
} from '../../../../src/pipeline/subscriptions/SubscriptionPorts';

const MINUTE = 60_000;

/** A Graph that behaves like the real one: refuses lifetimes over the maximum and forgets expired subscriptions. */
class FakeGraph implements GraphSubscriptionsPort {
  readonly live = new Map<string, SubscriptionRequest>();
  created = 0;
  constructor(private readonly now: () => Date) {}
  createSubscription(request: SubscriptionRequest) {
    this.#checkLifetime(request.expirationDateTime);
    const id = `sub-${++this.created}`;
    this.live.set(id, request);
    return Promise.resolve({ id, expirationDateTime: request.expirationDateTime });
  }
  renewSubscription(id: string, expirationDateTime: string) {
    this.#checkLifetime(expirationDateTime);
    const existing = this.live.get(id);
    if (!existing || Date.parse(existing.expirationDateTime) <= this.now().getTime()) return Promise.resolve(undefined);
    this.live.set(id, { ...existing, expirationDateTime });
    return Promise.resolve({ id, expirationDateTime });
  }
  subscriptionExists(id: string) {
    const existing = this.live.get(id);
    return Promise.resolve(!!existing && Date.parse(existing.expirationDateTime) > this.now().getTime());
  }
  deleteSubscription(id: string) {
    this.live.delete(id);
    return Promise.resolve();
  }
  #checkLifetime(expiration: string) {
    if (Date.parse(expiration) - this.now().getTime() > MAX_USER_SUBSCRIPTION_MINUTES * MINUTE) {
      throw new Error('expirationDateTime is too far in the future');
    }
  }
}

class MemoryStore implements SubscriptionStorePort {
  readonly rows = new Map<string, StoredSubscription>();
  getByResource(resource: string) {
    return Promise.resolve([...this.rows.values()].find((s) => s.resource === resource));
  }
  save(subscription: StoredSubscription) {
    for (const [id, row] of this.rows) if (row.resource === subscription.resource) this.rows.delete(id);
    this.rows.set(subscription.id, subscription);
    return Promise.resolve();
  }
  listIds() {
    return Promise.resolve([...this.rows.keys()]);
  }
}

function setup() {
  let now = new Date('2026-11-01T00:00:00Z');
  const graph = new FakeGraph(() => now);
  const store = new MemoryStore();
  const options = {
    graph,
    store,
    notificationUrl: 'https://app/api/notifications?code=k',
    clientState: 'secret',
    now: () => now,
  };
  return { graph, store, options, advanceMinutes: (m: number) => (now = new Date(now.getTime() + m * MINUTE)) };
}

describe('ensureUsersSubscription', () => {
  it('creates the /users subscription when none is stored, within the 41,760-minute maximum', async () => {
    const s = setup();
    const result = await ensureUsersSubscription(s.options);
    expect(result.action).toBe('create');
    const request = s.graph.live.get(result.subscription.id);
    expect(request).toMatchObject({ resource: '/users', changeType: 'updated', clientState: 'secret' });
    expect(await s.store.listIds()).toEqual([result.subscription.id]);
  });

  it('keeps a fresh subscription and renews it once less than a third of its life is left', async () => {
    const s = setup();
    const first = await ensureUsersSubscription(s.options);
    s.advanceMinutes(30);
    expect((await ensureUsersSubscription(s.options)).action).toBe('keep');
    s.advanceMinutes(MAX_USER_SUBSCRIPTION_MINUTES * 0.7);
    const renewed = await ensureUsersSubscription(s.options);
    expect(renewed.action).toBe('renew');
    expect(renewed.subscription.id).toBe(first.subscription.id);
    expect(Date.parse(renewed.subscription.expirationDateTime)).toBeGreaterThan(
      Date.parse(first.subscription.expirationDateTime),
    );
  });

  it('stays alive across many expiry periods when the timer runs every 30 minutes', async () => {
    const s = setup();
    const { subscription } = await ensureUsersSubscription(s.options);
    for (let run = 0; run < 4 * 2 * 29 * 24; run++) {
      s.advanceMinutes(30);
      await ensureUsersSubscription(s.options);
    }
    expect(s.graph.created).toBe(1);
    expect(s.graph.live.has(subscription.id)).toBe(true);
  });

  it('re-creates the subscription when Graph lost it', async () => {
    const s = setup();
    const first = await ensureUsersSubscription(s.options);
    s.graph.live.clear();
    s.advanceMinutes(MAX_USER_SUBSCRIPTION_MINUTES * 0.8);
    const result = await ensureUsersSubscription(s.options);
    expect(result.action).toBe('recreate-after-404');
    expect(result.subscription.id).not.toBe(first.subscription.id);
    expect(await s.store.listIds()).toEqual([result.subscription.id]);
  });

  it('re-creates a subscription Graph lost long before it was due for renewal', async () => {
    const s = setup();
    const first = await ensureUsersSubscription(s.options);
    s.graph.live.delete(first.subscription.id);
    s.advanceMinutes(30);
    const result = await ensureUsersSubscription(s.options);
    expect(result.action).toBe('recreate-lost');
    expect(s.graph.live.has(result.subscription.id)).toBe(true);
  });

  it('re-creates the subscription after it expired while the timer was not running', async () => {
    const s = setup();
    await ensureUsersSubscription(s.options);
    s.advanceMinutes(MAX_USER_SUBSCRIPTION_MINUTES + 1);
    expect((await ensureUsersSubscription(s.options)).action).toBe('recreate');
    expect(s.graph.created).toBe(2);
  });

  it('replaces the subscription when the clientState secret was rotated', async () => {
    const s = setup();
    const first = await ensureUsersSubscription(s.options);
    const rotated = await ensureUsersSubscription({ ...s.options, clientState: 'new-secret' });
    expect(rotated.action).toBe('recreate');
    expect(s.graph.live.has(first.subscription.id)).toBe(false);
    expect(s.graph.live.get(rotated.subscription.id)?.clientState).toBe('new-secret');
  });

  it('replaces the subscription when the notification URL or its function key changed', async () => {
    const s = setup();
    await ensureUsersSubscription(s.options);
    const moved = await ensureUsersSubscription({
      ...s.options,
      notificationUrl: 'https://app/api/notifications?code=k2',
    });
    expect(moved.action).toBe('recreate');
    expect(s.graph.live.get(moved.subscription.id)?.notificationUrl).toBe('https://app/api/notifications?code=k2');
    expect(s.graph.live.size).toBe(1);
  });

  it('stores neither the clientState nor the function key of the notification URL', async () => {
    const s = setup();
    await ensureUsersSubscription(s.options);
    const stored = JSON.stringify([...s.store.rows.values()]);
    expect(stored).not.toContain('secret');
    expect(stored).not.toContain('code=k');
    expect(stored).toContain('https://app/api/notifications');
  });

  it('reauthorizes by pushing the expiry out, and reports when Graph no longer has the subscription', async () => {
    const s = setup();
    const { subscription } = await ensureUsersSubscription(s.options);
    s.advanceMinutes(60 * 24);
    expect(await reauthorizeSubscription(subscription.id, s.options)).toBe(true);
    const stored = await s.store.getByResource('/users');
    expect(Date.parse(stored?.expirationDateTime ?? '')).toBeGreaterThan(Date.parse(subscription.expirationDateTime));
    expect(await reauthorizeSubscription('unknown', s.options)).toBe(false);
  });
});

describe('decideSubscriptionAction', () => {
  it('never asks for more than the maximum lifetime', () => {
    const now = new Date('2026-11-01T00:00:00Z');
    const action = decideSubscriptionAction(undefined, { now, settingsFingerprint: 'f', lifetimeMinutes: 99_999 });
    expect(action.kind).toBe('create');
    if (action.kind === 'create') {
      expect(Date.parse(action.expirationDateTime) - now.getTime()).toBe(MAX_USER_SUBSCRIPTION_MINUTES * MINUTE);
    }
  });
});
