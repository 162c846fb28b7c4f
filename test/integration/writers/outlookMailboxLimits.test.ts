// writeExchangePhoto under Outlook's per-mailbox limits: eight photos for one person queued at once (the host's
// batchSize is 8), with the emulator's per-mailbox request budget made small. Throttled photo calls are waited out
// or rescheduled, nothing reaches the poison queue, and the person ends up with the newest photo: writes for one
// user run one at a time, and an older photo that comes after the newest is `skipped-stale`.

import { QueueServiceClient } from '@azure/storage-queue';
import { queues } from '../../../src/storage/names';
import type { InvocationCompletedEvent } from '../../../dev/runtime/invocationEvents';
import { outlookMailboxLimits } from '../../../dev/m365-emulator';
import { waitFor, type LocalStack } from '../../support/localStackFixture';
import { photoLooksLike } from '../../support/photoLooksLike';
import {
  demoUser,
  enqueue,
  poisonMessages,
  requestsTo,
  stagePhoto,
  startWritersStack,
  waitForState,
  type StagedPhoto,
} from './writerFixture';

const queue = queues.exchangePhotoWrites;
let stack: LocalStack;
const completed: InvocationCompletedEvent[] = [];

beforeAll(async () => {
  stack = await startWritersStack();
  stack.host.on('invocationCompleted', (e) => completed.push(e));
});

afterAll(async () => {
  stack?.emulator.control.setMailboxLimits(outlookMailboxLimits);
  await stack?.stop();
});

it('writes the newest of eight queued photos for one mailbox under its request budget, losing nothing', async () => {
  const user = demoUser(stack, 'exchangeOnline', 0);
  const control = stack.emulator.control;
  // 6 photo calls per 3 s for this app on this mailbox (Outlook: 10,000 per 10 minutes); each write is a PUT and a
  // metadata GET, so eight writes in a row cannot fit in one window.
  control.setMailboxLimits({ limit: 6, windowMs: 3_000, holdMs: 50 });
  const throttledBefore = control.stats().throttledBy.MailboxRequests ?? 0;

  // Staged one after another: each has a later receivedAt than the one before.
  const photos: StagedPhoto[] = [];
  for (let i = 0; i < 8; i++) photos.push(await stagePhoto(stack, user));
  for (const photo of photos) await enqueue(stack, queue, photo.messages.exchange);
  const newest = photos.at(-1);
  if (!newest) throw new Error('no photos staged');

  await waitForState(stack, user.id, 'exchange', (s) => s.lastContentHash === newest.contentHash, {
    timeoutMs: 60_000,
    what: 'the newest photo recorded as written',
  });
  // Every message (and every reschedule of one, invisible until its delay is over) has been handled once the queue
  // holds nothing and the host is idle.
  const writes = QueueServiceClient.fromConnectionString(stack.storageConnectionString).getQueueClient(queue);
  await waitFor(async () => ((await writes.getProperties()).approximateMessagesCount === 0 ? true : undefined), {
    what: 'the write queue drained',
    timeoutMs: 60_000,
  });
  await stack.host.waitForIdle({ timeoutMs: 30_000 });
  expect(completed.filter((e) => e.functionName === 'writeExchangePhoto').length).toBeGreaterThanOrEqual(photos.length);

  expect((control.stats().throttledBy.MailboxRequests ?? 0) - throttledBefore).toBeGreaterThan(0);
  // Exchange holds its re-encoded copy of the newest photo.
  expect(await photoLooksLike(control.getPhoto(user.id)?.bytes, newest.bytes.exchange)).toBe(true);
  const state = await waitForState(stack, user.id, 'exchange', () => true);
  expect(state).toMatchObject({
    lastContentHash: newest.contentHash,
    lastReceivedAt: newest.messages.exchange.exchangePhotoWrite.receivedAt,
  });
  expect(completed.filter((e) => e.functionName === 'writeExchangePhoto' && e.outcome === 'failed')).toHaveLength(0);
  const poisoned = JSON.stringify(await poisonMessages(stack, queue));
  for (const photo of photos) expect(poisoned).not.toContain(photo.contentHash);
  expect(requestsTo(stack, 'PUT photo.value.put')).toBeGreaterThan(0);
}, 120_000);
