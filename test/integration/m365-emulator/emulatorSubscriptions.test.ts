import { createServer, type Server } from 'node:http';
import sharp from 'sharp';
import { startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { accessToken, bearer } from './emulatorClients';
import { waitFor } from '../../support/localStackFixture';

/** A notification endpoint: echoes the validation token (or a wrong one) and records what Graph posts. */
interface Receiver {
  url: string;
  echo: 'correct' | 'wrong';
  /** Notifications to refuse with 500 before accepting (to exercise Graph's retries). */
  failNext: number;
  validationTokens: string[];
  notifications: unknown[];
  server: Server;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'server'> = {
    echo: 'correct',
    failNext: 0,
    validationTokens: [],
    notifications: [],
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = url.searchParams.get('validationToken');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (token !== null) {
        receiver.validationTokens.push(token);
        res.writeHead(200, { 'content-type': 'text/plain' }).end(receiver.echo === 'correct' ? token : `${token}x`);
        return;
      }
      if (receiver.failNext > 0) {
        receiver.failNext -= 1;
        res.writeHead(500).end();
        return;
      }
      receiver.notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(receiver, { url: `http://127.0.0.1:${port}/api/notifications`, server });
}

let emulator: M365Emulator;
let receiver: Receiver;
let token: string;

beforeAll(async () => {
  // The reading of a tenant that does notify photo changes (the default is one that does not).
  emulator = await startM365Emulator({
    seed: 'demo',
    notifyOnPhotoChange: true,
    subscriptions: { retryDelaysMs: [100, 200] },
  });
  receiver = await startReceiver();
  token = await accessToken(emulator, { resource: emulator.urls.graphBaseUrl });
});
afterAll(async () => {
  await emulator.close();
  await new Promise((resolve) => receiver.server.close(resolve));
});

const expiry = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
const createSubscription = (body: Record<string, unknown>) =>
  fetch(`${emulator.urls.graphBaseUrl}/v1.0/subscriptions`, {
    method: 'POST',
    headers: bearer(token, { 'content-type': 'application/json' }),
    body: JSON.stringify({ changeType: 'updated', resource: '/users', notificationUrl: receiver.url, ...body }),
  });

test('creating a subscription performs the validation handshake and stores clientState', async () => {
  receiver.echo = 'correct';
  const response = await createSubscription({ expirationDateTime: expiry(60), clientState: 'secret-state' });
  expect(response.status).toBe(201);
  const created = (await response.json()) as { id: string; clientState: string; resource: string };
  expect(created).toMatchObject({ clientState: 'secret-state', resource: '/users' });
  const sent = receiver.validationTokens.at(-1) ?? '';
  expect(sent).toMatch(/^Validation: Testing client application reachability/);
  const listed = (await (
    await fetch(`${emulator.urls.graphBaseUrl}/v1.0/subscriptions`, { headers: bearer(token) })
  ).json()) as { value: { id: string }[] };
  expect(listed.value.map((s) => s.id)).toContain(created.id);
});

test('creation fails with 400 when the endpoint echoes the wrong token', async () => {
  receiver.echo = 'wrong';
  const response = await createSubscription({ expirationDateTime: expiry(60) });
  receiver.echo = 'correct';
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { message: string } };
  expect(body.error.message).toMatch(/Subscription validation request failed/);
});

test('an expiration beyond 41,760 minutes is refused; PATCH renews within the limit', async () => {
  const tooLong = await createSubscription({ expirationDateTime: expiry(41_761) });
  expect(tooLong.status).toBe(400);
  const created = (await (await createSubscription({ expirationDateTime: expiry(60) })).json()) as { id: string };
  const renewed = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/subscriptions/${created.id}`, {
    method: 'PATCH',
    headers: bearer(token, { 'content-type': 'application/json' }),
    body: JSON.stringify({ expirationDateTime: expiry(41_000) }),
  });
  expect(renewed.status).toBe(200);
  emulator.control.expireSubscription(created.id);
  const gone = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/subscriptions/${created.id}`, {
    headers: bearer(token),
  });
  expect(gone.status).toBe(404);
});

test('a photo change by the user delivers a change notification with the real payload shape', async () => {
  const created = (await (await createSubscription({ expirationDateTime: expiry(60), clientState: 'abc' })).json()) as {
    id: string;
  };
  const user = emulator.users.find((u) => u.mailbox === 'exchangeOnline');
  const photo = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#aa0000' } })
    .jpeg()
    .toBuffer();
  await emulator.control.changePhotoAsUser(user?.userPrincipalName ?? '', photo);
  const notification = await waitFor(
    () =>
      (receiver.notifications as { value: { subscriptionId: string }[] }[]).find(
        (n) => n.value[0]?.subscriptionId === created.id,
      ),
    { what: 'the change notification', timeoutMs: 10_000, intervalMs: 25 },
  );
  expect(notification).toEqual({
    value: [
      {
        subscriptionId: created.id,
        subscriptionExpirationDateTime: expect.any(String),
        changeType: 'updated',
        resource: `Users/${user?.id}`,
        resourceData: {
          '@odata.type': '#Microsoft.Graph.User',
          '@odata.id': `Users/${user?.id}`,
          id: user?.id,
          organizationId: emulator.tenantId,
        },
        clientState: 'abc',
        tenantId: emulator.tenantId,
      },
    ],
  });
});

test('with notifications switched off a photo change raises nothing', async () => {
  const created = (await (await createSubscription({ expirationDateTime: expiry(60) })).json()) as { id: string };
  emulator.control.setNotifyOnPhotoChange(false);
  const photo = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#00aa00' } })
    .jpeg()
    .toBuffer();
  await emulator.control.changePhotoAsUser(emulator.users[0]?.id ?? '', photo);
  emulator.control.setNotifyOnPhotoChange(true);
  expect(emulator.control.deliveries().filter((d) => d.subscriptionId === created.id)).toEqual([]);
});

test('reauthorizationRequired goes to the lifecycleNotificationUrl', async () => {
  const created = (await (
    await createSubscription({
      expirationDateTime: expiry(60),
      lifecycleNotificationUrl: `${receiver.url}?lifecycle=1`,
    })
  ).json()) as { id: string };
  emulator.control.triggerLifecycleEvent(created.id, 'reauthorizationRequired');
  const event = await waitFor(
    () =>
      (receiver.notifications as { value: { subscriptionId: string; lifecycleEvent?: string }[] }[]).find(
        (n) => n.value[0]?.subscriptionId === created.id && n.value[0]?.lifecycleEvent !== undefined,
      ),
    { what: 'the lifecycle notification', timeoutMs: 10_000, intervalMs: 25 },
  );
  expect(event.value[0]).toMatchObject({ lifecycleEvent: 'reauthorizationRequired', tenantId: emulator.tenantId });
});

test('a notification the endpoint refuses is retried until it is accepted', async () => {
  // One subscription only, so the single refusal is certainly this subscription's first attempt.
  for (const s of emulator.control.listSubscriptions()) {
    await fetch(`${emulator.urls.graphBaseUrl}/v1.0/subscriptions/${s.id}`, {
      method: 'DELETE',
      headers: bearer(token),
    });
  }
  const created = (await (await createSubscription({ expirationDateTime: expiry(60) })).json()) as { id: string };
  receiver.failNext = 1;
  const photo = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#0000aa' } })
    .jpeg()
    .toBuffer();
  await emulator.control.changePhotoAsUser(emulator.users[1]?.id ?? '', photo);
  const delivery = await waitFor(
    () => emulator.control.deliveries().find((d) => d.subscriptionId === created.id && d.delivered),
    { what: 'the retried delivery', timeoutMs: 10_000, intervalMs: 25 },
  );
  expect(delivery.attempts).toBe(2);
});
