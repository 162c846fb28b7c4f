// The writers running in the local Functions host over Azurite and the emulator, plus what their tests need:
// renditions staged in photos-processed (generated with sharp), messages queued as ingest queues them, and the
// PhotoSyncState rows to poll. host.json is the project's with 1 s visibility and 3 tries, so host retries and
// the poison queue happen within a test's time.

import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import sharp from 'sharp';
import type { DemoUser } from '../../../dev/m365-emulator';
import type { RenditionRef, Renditions } from '../../../src/pipeline/messages/renditions';
import { buildWriteMessages, type WriteMessages } from '../../../src/pipeline/messages/writeMessages';
import type { PhotoState, PhotoTarget } from '../../../src/pipeline/write/PhotoStatePort';
import { containers, poisonQueueName, queues } from '../../../src/storage/names';
import { PhotoStateStore } from '../../../src/storage/PhotoStateStore';
import { decodeQueueMessage, encodeQueueMessage } from '../../../src/storage/queueMessageEncoding';
import { startTestStack, waitFor, type LocalStack } from '../../support/localStackFixture';

const functions = path.join(__dirname, '../../../src/functions');

export function startWritersStack(extraSettings: Record<string, string> = {}): Promise<LocalStack> {
  return startTestStack({
    functionModules: [path.join(functions, 'writeExchangePhoto.ts'), path.join(functions, 'writeSharePointPhoto.ts')],
    host: { hostJsonPath: path.join(__dirname, 'fastRetries.host.json') },
    extraSettings,
  });
}

function jpeg(size: number, colour: string): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: colour } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

export interface StagedPhoto {
  /** The photo's content hash, the same in both messages. */
  contentHash: string;
  messages: Required<WriteMessages>;
  bytes: { exchange: Buffer; small: Buffer; medium: Buffer; large: Buffer };
}

/** Uploads a fresh set of renditions for this user (a new content hash each time) and builds both messages. */
export async function stagePhoto(stack: LocalStack, user: DemoUser): Promise<StagedPhoto> {
  const contentHash = randomBytes(32).toString('hex');
  const colour = `#${contentHash.slice(0, 6)}`;
  const sizes = { exchange: 648, small: 48, medium: 72, large: 200 } as const;
  const files = { exchange: 'exchange', small: 'S', medium: 'M', large: 'L' } as const;
  const processed = BlobServiceClient.fromConnectionString(stack.storageConnectionString).getContainerClient(
    containers.processed,
  );
  const bytes = {} as StagedPhoto['bytes'];
  const refs = {} as Renditions<RenditionRef>;
  for (const key of Object.keys(sizes) as Array<keyof typeof sizes>) {
    const data = await jpeg(sizes[key], colour);
    const blobName = `${user.id}/${contentHash}/${files[key]}.jpg`;
    await processed
      .getBlockBlobClient(blobName)
      .uploadData(data, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
    bytes[key] = data;
    refs[key] = { blobName, width: sizes[key], height: sizes[key], bytes: data.length };
  }
  const messages = buildWriteMessages(
    {
      owner: { userId: user.id, userPrincipalName: user.userPrincipalName },
      contentHash,
      correlationId: randomUUID(),
      receivedAt: new Date(),
      origin: 'hr-upload',
    },
    refs,
    { targets: { exchange: true, sharePoint: true } },
  );
  if (!messages.exchange || !messages.sharePoint) throw new Error('buildWriteMessages left a target out');
  return { contentHash, messages: { exchange: messages.exchange, sharePoint: messages.sharePoint }, bytes };
}

export type WriterTarget = Extract<PhotoTarget, 'exchange' | 'sharepoint'>;

export const writeQueues: Record<WriterTarget, string> = {
  exchange: queues.exchangePhotoWrites,
  sharepoint: queues.sharePointPhotoWrites,
};

export function writeMessage(photo: StagedPhoto, target: WriterTarget): object {
  return target === 'exchange' ? photo.messages.exchange : photo.messages.sharePoint;
}

/** Stages a fresh photo for this user and queues the target's write message, as ingest would. */
export async function queueFreshPhoto(stack: LocalStack, user: DemoUser, target: WriterTarget): Promise<StagedPhoto> {
  const photo = await stagePhoto(stack, user);
  await enqueue(stack, writeQueues[target], writeMessage(photo, target));
  return photo;
}

/**
 * Writes a fresh photo through the target's queue, then delivers the same message again. Returns how many requests
 * on routes containing `route` the emulator had served once the photo was written, and once the redelivery was
 * recorded as a duplicate.
 */
export async function deliverTwice(
  stack: LocalStack,
  user: DemoUser,
  target: WriterTarget,
  route: string,
): Promise<{ afterWrite: number; afterRedelivery: number }> {
  const photo = await queueFreshPhoto(stack, user, target);
  await waitForState(stack, user.id, target, (s) => s.lastContentHash === photo.contentHash);
  const afterWrite = requestsTo(stack, route);
  await enqueue(stack, writeQueues[target], writeMessage(photo, target));
  await waitForState(stack, user.id, target, (s) => s.lastOutcome === 'skipped-duplicate');
  return { afterWrite, afterRedelivery: requestsTo(stack, route) };
}

export async function enqueue(stack: LocalStack, queueName: string, message: object): Promise<void> {
  await QueueServiceClient.fromConnectionString(stack.storageConnectionString)
    .getQueueClient(queueName)
    .sendMessage(encodeQueueMessage(message));
}

/** Messages in `{queue}-poison` (peeked, left in place). */
export async function poisonMessages(stack: LocalStack, queueName: string): Promise<unknown[]> {
  const poison = QueueServiceClient.fromConnectionString(stack.storageConnectionString).getQueueClient(
    poisonQueueName(queueName),
  );
  if (!(await poison.exists())) return [];
  const peeked = await poison.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) => decodeQueueMessage(m.messageText));
}

export function stateStore(stack: LocalStack): PhotoStateStore {
  return PhotoStateStore.create({ connectionString: stack.storageConnectionString });
}

/** Polls PhotoSyncState until the row for this user and target satisfies `done`. */
export function waitForState(
  stack: LocalStack,
  userId: string,
  target: PhotoTarget,
  done: (state: PhotoState) => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<PhotoState> {
  const store = stateStore(stack);
  return waitFor(
    async () => {
      const state = await store.get(userId, target);
      return state && done(state) ? state : undefined;
    },
    {
      what: options.what ?? `PhotoSyncState ${userId}/${target}`,
      timeoutMs: options.timeoutMs ?? 20_000,
      intervalMs: 100,
    },
  );
}

export function demoUser(stack: LocalStack, mailbox: DemoUser['mailbox'], index = 0): DemoUser {
  const user = stack.emulator.users.filter((u) => u.mailbox === mailbox)[index];
  if (!user) throw new Error(`the demo tenant has no user #${index} with mailbox ${mailbox}`);
  return user;
}

/** Requests the emulator served for routes whose key contains `fragment` (e.g. `PUT photo.value.put`). */
export function requestsTo(stack: LocalStack, fragment: string): number {
  return Object.entries(stack.emulator.control.stats().byRoute)
    .filter(([route]) => route.includes(fragment))
    .reduce((sum, [, count]) => sum + count, 0);
}
