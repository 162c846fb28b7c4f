// The notification endpoint through the local runtime's real HTTP server, on Azurite (no Microsoft 365 needed:
// validation, triage and queueing never call Graph).

import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { queues, tables } from '../../../src/storage/names';
import { decodeQueueMessage } from '../../../src/storage/queueMessageEncoding';
import { SubscriptionStore } from '../../../src/storage/SubscriptionStore';
import { startStorageStack, waitFor, type StorageOnlyStack } from '../../support/localStackFixture';

const CLIENT_STATE = 'test-client-state-0123456789';
const SUBSCRIPTION_ID = 'a7c6e1f0-0000-4000-8000-000000000001';

let stack: StorageOnlyStack;
let photoChanges: QueueClient;

function url(query = ''): string {
  return `${stack.host.httpBaseUrl}/notifications${query}`;
}

function post(body: unknown, query = ''): Promise<Response> {
  return fetch(url(query), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Graph's user ids are Entra object ids; anything else is not a user and is ignored. */
const userIds: string[] = Array.from(
  { length: 6 },
  (_, i) => `${i}${i}${i}${i}${i}${i}${i}${i}-0000-4000-8000-00000000000${i}`,
);

function notification(userId: string | undefined, overrides: Record<string, unknown> = {}) {
  return {
    subscriptionId: SUBSCRIPTION_ID,
    subscriptionExpirationDateTime: '2026-12-20T00:00:00Z',
    changeType: 'updated',
    resource: `Users/${userId}`,
    resourceData: { '@odata.type': '#Microsoft.Graph.User', '@odata.id': `Users/${userId}`, id: userId },
    clientState: CLIENT_STATE,
    tenantId: 'tenant',
    ...overrides,
  };
}

async function drainPhotoChanges(): Promise<{ photoChange: { userId: string; source: string } }[]> {
  const messages: { photoChange: { userId: string; source: string } }[] = [];
  for (;;) {
    const received = await photoChanges.receiveMessages({ numberOfMessages: 32 });
    if (received.receivedMessageItems.length === 0) return messages;
    for (const item of received.receivedMessageItems) {
      messages.push(decodeQueueMessage(item.messageText) as { photoChange: { userId: string; source: string } });
      await photoChanges.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

beforeAll(async () => {
  stack = await startStorageStack({
    functionModules: [path.resolve(__dirname, '../../../src/functions/graphNotifications.ts')],
    extraSettings: {
      NOTIFICATION_CLIENT_STATE: CLIENT_STATE,
      // Configuration must load; this path never calls Microsoft 365.
      M365_TENANT_ID: 'contoso.onmicrosoft.com',
      M365_CLIENT_ID: '00000000-0000-0000-0000-000000000000',
      M365_CLIENT_SECRET: 'unused',
      SHAREPOINT_MYSITE_URL: 'https://contoso-my.sharepoint.com',
      SHAREPOINT_ADMIN_URL: 'https://contoso-admin.sharepoint.com',
    },
  });
  const tableClient = TableClient.fromConnectionString(stack.storageConnectionString, tables.subscriptions, {
    allowInsecureConnection: true,
  });
  await new SubscriptionStore(tableClient).save({
    id: SUBSCRIPTION_ID,
    resource: '/users',
    changeType: 'updated',
    notificationEndpoint: url(),
    expirationDateTime: '2026-12-20T00:00:00Z',
    settingsFingerprint: 'test',
  });
  photoChanges = new QueueClient(stack.storageConnectionString, queues.photoChanges);
});

afterAll(async () => {
  await stack?.stop();
});

describe('validation handshake', () => {
  it.each([
    ['a plain token', 'Validation: Testing client application reachability for subscription Request-Id: 8f1c'],
    ['a token with spaces, plus and percent signs', 'a b+c%20d%25e f'],
    ['a token with HTML', '<script>alert("x")</script>&amp;<b>'],
    ['a token with non-ASCII text', 'jeton évalué ✓'],
  ])('echoes %s decoded, as the whole text/plain body', async (_name, token) => {
    const response = await fetch(url(`?validationToken=${encodeURIComponent(token)}`), { method: 'POST' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain\b/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(token);
  });

  it('answers well within the 10 seconds Graph allows', async () => {
    const started = performance.now();
    await fetch(url('?validationToken=abc'), { method: 'POST' });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

/** The photo changes queued next (polled until there are some). */
function nextPhotoChanges(what: string): Promise<{ photoChange: { userId: string; source: string } }[]> {
  return waitFor(
    async () => {
      const found = await drainPhotoChanges();
      return found.length > 0 ? found : undefined;
    },
    { what },
  );
}

describe('notifications', () => {
  beforeEach(async () => {
    await drainPhotoChanges();
  });

  it('answers 202 and queues a photo change for a valid notification', async () => {
    const response = await post({ value: [notification(userIds[1])] });
    expect(response.status).toBe(202);
    const messages = await nextPhotoChanges('a photo-changes message');
    expect(messages).toEqual([
      {
        photoChange: expect.objectContaining({
          userId: userIds[1],
          source: 'notification',
          subscriptionId: SUBSCRIPTION_ID,
        }),
      },
    ]);
  });

  it('ignores notifications with a wrong clientState or an unknown subscription, still answering 202', async () => {
    const response = await post({
      value: [
        notification(userIds[2], { clientState: 'guess' }),
        notification(userIds[3], { subscriptionId: 'not-ours' }),
        notification(userIds[4], { clientState: undefined }),
      ],
    });
    expect(response.status).toBe(202);
    // A valid notification sent afterwards arrives alone: the ignored ones queued nothing.
    await post({ value: [notification(userIds[5])] });
    const messages = await nextPhotoChanges('the valid photo change');
    expect(messages.map((m) => m.photoChange.userId)).toEqual([userIds[5]]);
  });

  it('ignores a notification whose id would walk a Graph path (`..`), queueing nothing for it', async () => {
    const response = await post({ value: [notification('..'), notification(userIds[5])] });
    expect(response.status).toBe(202);
    const messages = await nextPhotoChanges('the valid photo change');
    expect(messages.map((m) => m.photoChange.userId)).toEqual([userIds[5]]);
  });

  it('answers 413 to a body over the limit without reading it all, and keeps serving', async () => {
    const response = await post(`{"value":[${'{"subscriptionId":"x"},'.repeat(60_000)}{}]}`);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: 'body-too-large', message: expect.any(String) } });
    expect((await post('{"value":[]}')).status).toBe(202);
  });

  it.each([
    ['text that is not JSON', 'not json at all'],
    ['JSON without value', '{"hello":"world"}'],
    ['an item without subscriptionId', '{"value":[{"clientState":"x"}]}'],
    ['an empty body', ''],
  ])('answers 400 to %s and keeps serving', async (_name, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('<');
    expect((await post({ value: [] })).status).toBe(202);
  });
});
