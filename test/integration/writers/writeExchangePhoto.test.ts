// writeExchangePhoto in the local Functions host, against Azurite and the emulator (certificate-assertion auth,
// as the local stack configures it).

import { createM365Clients } from '../../../src/m365/createM365Clients';
import type { GraphClient } from '../../../src/m365/GraphClient';
import { queues } from '../../../src/storage/names';
import type { InvocationCompletedEvent } from '../../../dev/runtime/invocationEvents';
import { waitFor, type LocalStack } from '../../support/localStackFixture';
import { photoLooksLike } from '../../support/photoLooksLike';
import { DEFAULT_PHOTO_READ_LAG_MS } from '../../../dev/m365-emulator';
import { emulatorM365Config } from './emulatorM365Config';
import {
  deliverTwice,
  demoUser,
  enqueue,
  poisonMessages,
  queueFreshPhoto,
  stagePhoto,
  startWritersStack,
  waitForState,
  writeMessage,
} from './writerFixture';

const queue = queues.exchangePhotoWrites;
let stack: LocalStack;
let graph: GraphClient;
const completed: InvocationCompletedEvent[] = [];

beforeAll(async () => {
  stack = await startWritersStack();
  stack.host.on('invocationCompleted', (e) => completed.push(e));
  // "Any Graph client" reads back: a separate client of our own, with its own token.
  graph = createM365Clients(emulatorM365Config(stack.emulator)).graph;
});

afterAll(async () => {
  await stack?.stop();
});

beforeEach(() => {
  stack.emulator.control.clearFaults();
  stack.emulator.control.setThrottling({ service: 'graph' });
});

function failedInvocations(): number {
  return completed.filter((e) => e.functionName === 'writeExchangePhoto' && e.outcome === 'failed').length;
}

it('writes the photo, which Graph then serves, and records the hash, rendition and time of our write', async () => {
  const user = demoUser(stack, 'exchangeOnline', 0);
  const photo = await queueFreshPhoto(stack, user, 'exchange');
  const state = await waitForState(stack, user.id, 'exchange', (s) => s.lastContentHash === photo.contentHash);
  // Exchange keeps a re-encoded copy, and Graph serves it once its read-after-write lag has passed.
  expect(await photoLooksLike(stack.emulator.control.getPhoto(user.id)?.bytes, photo.bytes.exchange)).toBe(true);
  stack.emulator.control.advanceClock(DEFAULT_PHOTO_READ_LAG_MS + 1_000);
  expect(await photoLooksLike(await graph.getPhotoContent(user.id), photo.bytes.exchange)).toBe(true);
  expect(state).toMatchObject({ lastOutcome: 'written', userPrincipalName: user.userPrincipalName });
  // What echo detection compares a later Graph photo with (docs/notifications.md, "Echo of our own writes").
  expect(state.lastRendition?.blobName).toBe(photo.messages.exchange.exchangePhotoWrite.photo.blobName);
  expect(Date.parse(state.lastWrittenAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
});

it('does not PUT the same content twice when the message is delivered again', async () => {
  const puts = await deliverTwice(stack, demoUser(stack, 'exchangeOnline', 1), 'exchange', 'PUT photo.value.put');
  expect(puts.afterWrite).toBeGreaterThanOrEqual(1);
  expect(puts.afterRedelivery).toBe(puts.afterWrite);
});

it('reschedules a 429 with a long Retry-After instead of failing, and writes the photo afterwards', async () => {
  const user = demoUser(stack, 'exchangeOnline', 2);
  const failuresBefore = failedInvocations();
  stack.emulator.control.injectFault({
    service: 'graph',
    method: 'PUT',
    pathPattern: `/users/${user.id}/photo`,
    status: 429,
    retryAfterSeconds: 6,
  });
  const photo = await queueFreshPhoto(stack, user, 'exchange');
  const rescheduled = await waitForState(stack, user.id, 'exchange', (s) => s.lastOutcome === 'rescheduled');
  expect(rescheduled.lastErrorCode).toBe('throttled');
  await waitForState(stack, user.id, 'exchange', (s) => s.lastContentHash === photo.contentHash, {
    timeoutMs: 30_000,
  });
  expect(failedInvocations()).toBe(failuresBefore);
  expect(await poisonMessages(stack, queue)).toHaveLength(0);
});

it('loses nothing when the emulator throttles a burst of writes', async () => {
  const users = [3, 4, 5].map((i) => demoUser(stack, 'exchangeOnline', i));
  stack.emulator.control.setThrottling({ service: 'graph', limit: 2, windowMs: 1_000 });
  const photos = await Promise.all(users.map((u) => stagePhoto(stack, u)));
  await Promise.all(photos.map((p) => enqueue(stack, queue, p.messages.exchange)));
  for (const [i, user] of users.entries()) {
    const hash = photos[i]?.contentHash;
    await waitForState(stack, user.id, 'exchange', (s) => s.lastContentHash === hash, { timeoutMs: 60_000 });
  }
  expect(stack.emulator.control.stats().throttled).toBeGreaterThan(0);
});

it('reschedules a write Graph answered 500 to, without failing the invocation, and writes it afterwards', async () => {
  const user = demoUser(stack, 'exchangeOnline', 0);
  const failuresBefore = failedInvocations();
  stack.emulator.control.injectFault({
    service: 'graph',
    method: 'PUT',
    pathPattern: `/users/${user.id}/photo`,
    status: 500,
  });
  const photo = await queueFreshPhoto(stack, user, 'exchange');
  const rescheduled = await waitForState(stack, user.id, 'exchange', (s) => s.lastOutcome === 'rescheduled');
  expect(rescheduled.lastErrorCode).toBe('unavailable');
  await waitForState(stack, user.id, 'exchange', (s) => s.lastContentHash === photo.contentHash, {
    timeoutMs: 30_000,
  });
  expect(failedInvocations()).toBe(failuresBefore);
  expect(await poisonMessages(stack, queue)).toHaveLength(0);
});

it('parks a write Graph kept failing through its last attempt in the poison queue, with the cause', async () => {
  const user = demoUser(stack, 'exchangeOnline', 1);
  stack.emulator.control.injectFault({
    service: 'graph',
    method: 'PUT',
    pathPattern: `/users/${user.id}/photo`,
    status: 502,
    times: 3,
  });
  const photo = await stagePhoto(stack, user);
  const message = writeMessage(photo, 'exchange') as { exchangePhotoWrite: { attempt: number } };
  // The tenth attempt: earlier ones were rescheduled with backoff (minutes apart), this one is the last.
  await enqueue(stack, queue, { exchangePhotoWrite: { ...message.exchangePhotoWrite, attempt: 9 } });
  await waitFor(
    async () =>
      (await poisonMessages(stack, queue)).some((m) => {
        const text = JSON.stringify(m);
        return text.includes(photo.contentHash) && text.includes('attempts-exhausted');
      }),
    { what: 'the message in the poison queue with its cause', timeoutMs: 20_000 },
  );
});

it('records a user without a mailbox as terminal and completes the message', async () => {
  // The tenant that says so (404 ErrorNonExistentMailbox); every other answer: writersOnRealTenant.test.ts.
  stack.emulator.control.setMailboxlessPhotoWrite('nonExistentMailbox');
  const user = demoUser(stack, 'none');
  const photo = await queueFreshPhoto(stack, user, 'exchange');
  const state = await waitForState(stack, user.id, 'exchange', (s) => s.lastOutcome === 'permanent-failure');
  expect(state.lastErrorCode).toBe('no-exchange-mailbox');
  expect(state.lastErrorMessage).toMatch(/ErrorNonExistentMailbox/);
  expect((await poisonMessages(stack, queue)).some((m) => JSON.stringify(m).includes(photo.contentHash))).toBe(false);
});

it('records an on-premises mailbox as terminal', async () => {
  const user = demoUser(stack, 'onPremises');
  await queueFreshPhoto(stack, user, 'exchange');
  const state = await waitForState(stack, user.id, 'exchange', (s) => s.lastOutcome === 'permanent-failure');
  expect(state.lastErrorCode).toBe('mailbox-on-premises');
});

it('says clearly when the tenant takes photos from on-premises', async () => {
  const user = demoUser(stack, 'exchangeOnline', 2);
  stack.emulator.control.setPhotoUpdateSource('onPremises');
  try {
    await queueFreshPhoto(stack, user, 'exchange');
    const state = await waitForState(stack, user.id, 'exchange', (s) => s.lastOutcome === 'permanent-failure');
    expect(state.lastErrorCode).toBe('tenant-photo-source-on-premises');
    expect(state.lastErrorMessage).toMatch(/photoUpdateSettings/);
  } finally {
    stack.emulator.control.setPhotoUpdateSource('cloud');
  }
});

it('dead-letters a malformed message at once with the reason', async () => {
  await enqueue(stack, queue, { exchangePhotoWrite: { schema: 'photo-sync/exchange-write@0', marker: 'malformed-1' } });
  const poisoned = await waitFor(
    async () => (await poisonMessages(stack, queue)).find((m) => JSON.stringify(m).includes('malformed-1')),
    { what: 'the malformed message in the poison queue' },
  );
  expect(poisoned).toMatchObject({ deadLetter: { code: 'malformed-message' } });
});
