import type { StoredSubscription } from '../../../../src/pipeline/subscriptions/decideSubscriptionAction';
import {
  receiveGraphNotifications,
  type ReceiveNotificationsOptions,
} from '../../../../src/pipeline/subscriptions/receiveGraphNotifications';
import type { GraphSubscriptionsPort } from '../../../../src/pipeline/subscriptions/SubscriptionPorts';

const NOW = new Date('2026-11-23T10:00:00.000Z');
const SECRET = 'the-secret';

function userNotification(userId: string, clientState = SECRET) {
  return {
    subscriptionId: 'sub-1',
    clientState,
    changeType: 'updated',
    resource: `Users/${userId}`,
    resourceData: { id: userId },
  };
}

function reauthorization(subscriptionId: string) {
  return { subscriptionId, clientState: SECRET, lifecycleEvent: 'reauthorizationRequired' };
}

/** Graph owns `sub-1` (renewable) and `sub-gone` (404 on renewal); renewing `sub-broken` fails outright. */
function options(): ReceiveNotificationsOptions & { renewed: string[]; subscriptionsBuilt: () => number } {
  const renewed: string[] = [];
  let built = 0;
  const unused = () => Promise.reject(new Error('not part of a reauthorization'));
  const graph: GraphSubscriptionsPort = {
    createSubscription: unused,
    subscriptionExists: unused,
    deleteSubscription: unused,
    renewSubscription(id, expirationDateTime) {
      if (id === 'sub-broken') return Promise.reject(new Error('graph unreachable'));
      if (id !== 'sub-1') return Promise.resolve(undefined);
      renewed.push(id);
      return Promise.resolve({ id, expirationDateTime });
    },
  };
  const stored: StoredSubscription = {
    id: 'sub-1',
    resource: '/users',
    changeType: 'updated',
    notificationEndpoint: 'https://example.test/api/notifications',
    expirationDateTime: NOW.toISOString(),
    settingsFingerprint: 'f',
  };
  return {
    renewed,
    subscriptionsBuilt: () => built,
    knownSubscriptions: { known: (ids) => Promise.resolve(new Set([...ids].filter((id) => id.startsWith('sub-')))) },
    subscriptions: () => {
      built += 1;
      return {
        graph,
        store: {
          getByResource: () => Promise.resolve(stored),
          save: () => Promise.resolve(),
          listIds: () => Promise.resolve(['sub-1']),
        },
      };
    },
    expectedClientState: SECRET,
    now: () => NOW,
    newCorrelationId: () => 'corr-1',
  };
}

describe('receiveGraphNotifications', () => {
  it('rejects a body that is not a notification collection, warning with the code it answers', async () => {
    const decision = await receiveGraphNotifications('{"value": 42}', options());
    expect(decision).toMatchObject({ kind: 'rejected', code: 'malformed-notification' });
    expect(decision.kind === 'rejected' && decision.logs[0]).toMatchObject({
      level: 'warn',
      fields: { event: 'notification-rejected', code: 'malformed-notification' },
    });
  });

  it('queues one photo change per user and ends with a summary line, never building the Graph port', async () => {
    const o = options();
    const body = JSON.stringify({
      value: [
        userNotification('11111111-1111-4111-8111-111111111111'),
        userNotification('11111111-1111-4111-8111-111111111111'),
        userNotification('22222222-2222-4222-8222-222222222222'),
      ],
    });
    const decision = await receiveGraphNotifications(body, o);
    expect(decision.kind).toBe('accepted');
    if (decision.kind !== 'accepted') return;
    expect(decision.photoChanges.map((m) => m.photoChange.userId)).toEqual([
      '11111111-1111-4111-8111-111111111111',
      '22222222-2222-4222-8222-222222222222',
    ]);
    expect(decision.logs).toEqual([
      {
        level: 'info',
        fields: expect.objectContaining({
          event: 'notifications-received',
          received: 3,
          queued: 2,
          durationMs: 0,
        }) as unknown,
      },
    ]);
    expect(o.subscriptionsBuilt()).toBe(0);
  });

  it('warns about a clientState mismatch with a count, never the value received', async () => {
    const body = JSON.stringify({ value: [userNotification('11111111-1111-4111-8111-111111111111', 'the-secreT')] });
    const decision = await receiveGraphNotifications(body, options());
    if (decision.kind !== 'accepted') throw new Error(`expected accepted, got ${decision.kind}`);
    expect(decision.photoChanges).toEqual([]);
    expect(decision.logs[0]).toEqual({
      level: 'warn',
      fields: { event: 'notification-client-state-mismatch', count: 1 },
    });
    expect(JSON.stringify(decision.logs)).not.toContain('the-secreT');
  });

  it('renews subscriptions asking for reauthorization and still accepts the POST when a renewal fails', async () => {
    const o = options();
    const body = JSON.stringify({
      value: [reauthorization('sub-1'), reauthorization('sub-gone'), reauthorization('sub-broken')],
    });
    const decision = await receiveGraphNotifications(body, o);
    if (decision.kind !== 'accepted') throw new Error(`expected accepted, got ${decision.kind}`);
    expect(o.renewed).toEqual(['sub-1']);
    expect(decision.logs.map((l) => [l.level, l.fields.event, l.fields.subscriptionId, l.fields.renewed])).toEqual([
      ['info', 'subscription-reauthorized', 'sub-1', true],
      ['info', 'subscription-reauthorized', 'sub-gone', false],
      ['warn', 'subscription-reauthorize-failed', 'sub-broken', undefined],
      ['info', 'notifications-received', undefined, undefined],
    ]);
    expect(decision.logs[2]?.fields.error).toBe('graph unreachable');
    expect(decision.logs[3]?.fields).toMatchObject({ reauthorize: 3, queued: 0 });
  });
});
