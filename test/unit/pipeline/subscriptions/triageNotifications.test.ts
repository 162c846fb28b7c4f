import { triageNotifications } from '../../../../src/pipeline/subscriptions/triageNotifications';
import type { ChangeNotification } from '../../../../src/pipeline/subscriptions/ChangeNotification';

const known = new Set(['sub-1']);
let counter = 0;
const options = {
  knownSubscriptionIds: known,
  expectedClientState: 'the-secret',
  receivedAt: new Date('2026-11-23T10:00:00Z'),
  newCorrelationId: () => `corr-${++counter}`,
};

const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';

function change(userId: string, overrides: Partial<ChangeNotification> = {}): ChangeNotification {
  return {
    subscriptionId: 'sub-1',
    clientState: 'the-secret',
    changeType: 'updated',
    resource: `Users/${userId}`,
    resourceId: userId,
    ...overrides,
  };
}

describe('triageNotifications', () => {
  it('queues a photo change for a valid notification', () => {
    const triage = triageNotifications({ notifications: [change(U1)] }, options);
    expect(triage.photoChanges).toEqual([
      {
        photoChange: expect.objectContaining({
          userId: U1,
          subscriptionId: 'sub-1',
          changeType: 'updated',
          receivedAt: '2026-11-23T10:00:00.000Z',
          source: 'notification',
          attempt: 0,
        }),
      },
    ]);
  });

  it('ignores notifications of subscriptions we do not own', () => {
    const triage = triageNotifications({ notifications: [change(U1, { subscriptionId: 'someone-else' })] }, options);
    expect(triage.photoChanges).toHaveLength(0);
    expect(triage.ignored.unknownSubscription).toBe(1);
  });

  it('ignores notifications whose clientState is wrong or missing', () => {
    const notifications = [change(U1, { clientState: 'guess' }), change(U2, { clientState: undefined })];
    const triage = triageNotifications({ notifications }, options);
    expect(triage.photoChanges).toHaveLength(0);
    expect(triage.ignored.wrongClientState).toBe(2);
  });

  it('queues one change per user when Graph repeats a notification in one POST', () => {
    const triage = triageNotifications({ notifications: [change(U1), change(U1), change(U2)] }, options);
    expect(triage.photoChanges.map((m) => m.photoChange.userId)).toEqual([U1, U2]);
    expect(new Set(triage.photoChanges.map((m) => m.photoChange.correlationId)).size).toBe(2);
  });

  it('asks for a renewal on reauthorizationRequired and queues nothing', () => {
    const lifecycle: ChangeNotification = {
      subscriptionId: 'sub-1',
      clientState: 'the-secret',
      lifecycleEvent: 'reauthorizationRequired',
    };
    const triage = triageNotifications({ notifications: [lifecycle, lifecycle] }, options);
    expect(triage.reauthorize).toEqual(['sub-1']);
    expect(triage.photoChanges).toHaveLength(0);
  });

  it('does not act on a lifecycle event with a wrong clientState', () => {
    const forged: ChangeNotification = {
      subscriptionId: 'sub-1',
      clientState: 'nope',
      lifecycleEvent: 'reauthorizationRequired',
    };
    expect(triageNotifications({ notifications: [forged] }, options).reauthorize).toEqual([]);
  });

  it('ignores notifications that name no user', () => {
    const triage = triageNotifications(
      { notifications: [change('x', { resource: 'Groups/x', resourceId: undefined })] },
      options,
    );
    expect(triage.ignored.notAUser).toBe(1);
  });
});
