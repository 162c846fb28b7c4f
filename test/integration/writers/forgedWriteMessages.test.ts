// A write message is checked, not trusted (issue 14, High): anyone who can send to the writer queues could post a
// message naming any blob and any person. Here a forged message names a blob outside photos-processed through `../`
// (an "archived original" staged in photos-archive); each writer must dead-letter it with a cause, write nothing,
// and never read the blob.

import { randomBytes, randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import sharp from 'sharp';
import { EXCHANGE_WRITE_SCHEMA, SHAREPOINT_WRITE_SCHEMA } from '../../../src/pipeline/messages/messageContracts';
import { containers, queues } from '../../../src/storage/names';
import { waitFor, type LocalStack } from '../../support/localStackFixture';
import { demoUser, enqueue, poisonMessages, startWritersStack, stateStore, type WriterTarget } from './writerFixture';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startWritersStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** A JPEG that is not a rendition: an archived original, outside photos-processed. */
async function stageArchivedOriginal(): Promise<string> {
  const name = `2026/12/02/forged-${randomUUID()}.jpg`;
  const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#ff00ff' } })
    .jpeg()
    .toBuffer();
  await BlobServiceClient.fromConnectionString(stack.storageConnectionString)
    .getContainerClient(containers.archive)
    .getBlockBlobClient(name)
    .uploadData(jpeg, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
  return `../${containers.archive}/${name}`;
}

function forgedMessage(target: WriterTarget, victim: { id: string; userPrincipalName: string }, blobName: string) {
  const ref = { blobName, width: 200, height: 200, bytes: 1000 };
  const common = {
    correlationId: `forged-${randomUUID()}`,
    owner: { userId: victim.id, userPrincipalName: victim.userPrincipalName },
    contentHash: randomBytes(32).toString('hex'),
    origin: 'hr-upload',
    receivedAt: new Date().toISOString(),
    attempt: 0,
  };
  return target === 'exchange'
    ? { exchangePhotoWrite: { schema: EXCHANGE_WRITE_SCHEMA, ...common, photo: ref } }
    : {
        sharePointPhotoWrite: {
          schema: SHAREPOINT_WRITE_SCHEMA,
          ...common,
          thumbnails: { small: ref, medium: ref, large: ref },
        },
      };
}

it.each([
  ['exchange', queues.exchangePhotoWrites, 0],
  ['sharepoint', queues.sharePointPhotoWrites, 1],
] as const)(
  'dead-letters a forged %s write whose rendition walks out of photos-processed, and writes nothing',
  async (target, queue, index) => {
    const victim = demoUser(stack, 'exchangeOnline', index);
    const message = forgedMessage(target, victim, await stageArchivedOriginal());
    const correlationId = JSON.stringify(message).match(/forged-[0-9a-f-]+/)?.[0] ?? '';
    await enqueue(stack, queue, message);

    const poisoned = await waitFor(
      async () => (await poisonMessages(stack, queue)).find((m) => JSON.stringify(m).includes(correlationId)),
      { what: `the forged ${target} message in the poison queue`, timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(poisoned).toMatchObject({
      deadLetter: { code: 'untrusted-message', message: expect.stringMatching(/rendition/) },
    });
    expect(await stateStore(stack).get(victim.id, target)).toBeUndefined();
  },
);
