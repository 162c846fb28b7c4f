import { NotificationBodyError } from '../../../../src/pipeline/subscriptions/ChangeNotification';
import { notifiedUserId, parseNotificationBody } from '../../../../src/pipeline/subscriptions/parseNotificationBody';

const graphBody = {
  value: [
    {
      subscriptionId: 'sub-1',
      subscriptionExpirationDateTime: '2026-12-01T00:00:00Z',
      changeType: 'updated',
      resource: 'Users/0b4c5c5e-1111-2222-3333-444455556666',
      resourceData: { '@odata.type': '#Microsoft.Graph.User', id: '0b4c5c5e-1111-2222-3333-444455556666' },
      clientState: 'secret',
      tenantId: 'tenant',
    },
  ],
};

describe('parseNotificationBody', () => {
  it('reads the fields of a Graph change notification', () => {
    const [item] = parseNotificationBody(JSON.stringify(graphBody)).notifications;
    expect(item).toEqual({
      subscriptionId: 'sub-1',
      changeType: 'updated',
      resource: 'Users/0b4c5c5e-1111-2222-3333-444455556666',
      resourceId: '0b4c5c5e-1111-2222-3333-444455556666',
      clientState: 'secret',
      tenantId: 'tenant',
    });
  });

  it('reads a lifecycle notification', () => {
    const body = { value: [{ subscriptionId: 's', lifecycleEvent: 'reauthorizationRequired', clientState: 'c' }] };
    expect(parseNotificationBody(JSON.stringify(body)).notifications[0]?.lifecycleEvent).toBe(
      'reauthorizationRequired',
    );
  });

  it.each([
    ['an empty body', ''],
    ['text that is not JSON', 'not json'],
    ['a JSON array', '[]'],
    ['an object without value', '{"items":[]}'],
    ['a value that is not an array', '{"value":{}}'],
    ['an item that is not an object', '{"value":[1]}'],
    ['an item without subscriptionId', '{"value":[{"clientState":"x"}]}'],
    ['a subscriptionId that is a number', '{"value":[{"subscriptionId":5}]}'],
    ['resourceData that is a string', '{"value":[{"subscriptionId":"s","resourceData":"x"}]}'],
    ['clientState that is an object', '{"value":[{"subscriptionId":"s","clientState":{}}]}'],
  ])('rejects %s as malformed', (_name, text) => {
    expect(() => parseNotificationBody(text)).toThrow(NotificationBodyError);
  });

  it('does not echo the body in its error message', () => {
    const text = '{"value":[{"subscriptionId":"<script>alert(1)</script>","clientState":7}]}';
    expect(() => parseNotificationBody(text)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('<script>') }),
    );
  });

  it('rejects bodies far larger than Graph sends', () => {
    expect(() => parseNotificationBody(' '.repeat(1_000_001))).toThrow(NotificationBodyError);
  });
});

describe('notifiedUserId', () => {
  const a = '0b4c5c5e-1111-2222-3333-444455556666';
  const b = '0b4c5c5e-1111-2222-3333-777788889999';

  it('prefers resourceData.id', () => {
    expect(notifiedUserId({ subscriptionId: 's', resource: `Users/${a}`, resourceId: b })).toBe(b);
  });

  it('falls back to the id in the resource path', () => {
    expect(notifiedUserId({ subscriptionId: 's', resource: `Users/${a}` })).toBe(a);
    expect(notifiedUserId({ subscriptionId: 's', resource: `/users/${a}` })).toBe(a);
  });

  it('finds no user in other resources', () => {
    expect(notifiedUserId({ subscriptionId: 's', resource: 'Groups/abc' })).toBeUndefined();
    expect(notifiedUserId({ subscriptionId: 's' })).toBeUndefined();
  });

  it('takes only an object id, so no id can walk a Graph path (`/users/..` is `/v1.0/`)', () => {
    for (const id of ['..', '.', 'abc-123', 'adele@contoso.com', `${a}/photo`]) {
      expect(notifiedUserId({ subscriptionId: 's', resourceId: id })).toBeUndefined();
    }
    expect(notifiedUserId({ subscriptionId: 's', resource: 'Users/..' })).toBeUndefined();
    expect(notifiedUserId({ subscriptionId: 's', resource: 'Users/%2e%2e' })).toBeUndefined();
    expect(notifiedUserId({ subscriptionId: 's', resource: 'Users/%E0%A4%A' })).toBeUndefined();
  });
});
