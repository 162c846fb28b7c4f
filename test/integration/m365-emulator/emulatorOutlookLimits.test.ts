// Outlook's limits on photo calls, per app and mailbox: 4 concurrent requests and 10,000 requests per 10 minutes
// (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits). Over either, 429
// ApplicationThrottled with Retry-After; other mailboxes are not affected.

import { ensureDevCertificateAuthority } from '../../../dev/devCertificates';
import { outlookMailboxLimits, startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { createM365Clients, type M365Clients } from '../../../src/m365/createM365Clients';
import { unwrapErrorBody } from '../../../src/m365/M365RequestError';
import { emulatorM365Config } from '../writers/emulatorM365Config';

let emulator: M365Emulator;
let clients: M365Clients;

beforeAll(async () => {
  emulator = await startM365Emulator({
    ports: { login: 0, graph: 0, mySite: 0, admin: 0 },
    certificateAuthority: ensureDevCertificateAuthority(),
  });
  clients = createM365Clients(emulatorM365Config(emulator), { retry: { maxTries: 1 } });
});

afterAll(async () => {
  await emulator?.close();
});

afterEach(() => {
  emulator.control.setMailboxLimits(outlookMailboxLimits);
});

function mailboxUser(index: number) {
  const user = emulator.users.filter((u) => u.mailbox === 'exchangeOnline')[index];
  if (!user) throw new Error(`no Exchange Online user #${index}`);
  return user;
}

async function photoMetadata(userId: string) {
  const response = await clients.transport.send('graph', `${emulator.urls.graphBaseUrl}/v1.0/users/${userId}/photo`);
  const body = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), ...unwrapErrorBody(body) };
}

it('answers a fifth concurrent photo request on one mailbox with 429 ApplicationThrottled and Retry-After', async () => {
  const [busy, other] = [mailboxUser(0), mailboxUser(1)];
  await photoMetadata(busy.id); // a token in the cache, so the five below leave together
  emulator.control.setMailboxLimits({ holdMs: 500 });
  const before = emulator.control.stats().throttledBy.MailboxConcurrency ?? 0;
  const answers = await Promise.all([
    ...Array.from({ length: 5 }, () => photoMetadata(busy.id)),
    photoMetadata(other.id),
  ]);
  const onBusy = answers.slice(0, 5);
  const throttled = onBusy.filter((a) => a.status === 429);
  expect(throttled).toHaveLength(1);
  expect(throttled[0]).toMatchObject({
    code: 'ApplicationThrottled',
    message: 'Application is over its MailboxConcurrency limit.',
  });
  expect(Number(throttled[0]?.retryAfter)).toBeGreaterThan(0);
  expect(answers[5]?.status).not.toBe(429);
  expect((emulator.control.stats().throttledBy.MailboxConcurrency ?? 0) - before).toBe(1);
}, 20_000);

it('admits the next request on a mailbox once one of the four has been answered', async () => {
  const user = mailboxUser(2);
  emulator.control.setMailboxLimits({ concurrency: 1, holdMs: 0 });
  for (let i = 0; i < 3; i++) expect((await photoMetadata(user.id)).status).not.toBe(429);
});

it('throttles a mailbox over its request budget in the window until the window frees up', async () => {
  const [user, other] = [mailboxUser(3), mailboxUser(4)];
  emulator.control.setMailboxLimits({ limit: 3, windowMs: 60_000, holdMs: 0 });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await photoMetadata(user.id)).status);
  expect(statuses).not.toContain(429);
  const over = await photoMetadata(user.id);
  expect(over).toMatchObject({ status: 429, code: 'ApplicationThrottled' });
  expect(over.message).toMatch(/MailboxRequests/);
  expect(Number(over.retryAfter)).toBeGreaterThan(50);
  expect(Number(over.retryAfter)).toBeLessThanOrEqual(60);
  expect((await photoMetadata(other.id)).status).not.toBe(429);
});
