// Replaying poison queues against Azurite: host-poisoned messages go back unchanged, the writers' dead letters go
// back without their note and with a fresh retry budget, malformed and forged ones stay, and --dry-run moves nothing.

import { randomBytes, randomUUID } from 'node:crypto';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../../dev/azurite';
import { replayPoisonQueue } from '../../../dev/replayPoison';
import { renditionBlobName } from '../../../src/pipeline/messages/renditions';
import { exchangeWriteMessage } from '../../../src/pipeline/messages/writeMessages';
import { poisonQueueName, queues } from '../../../src/storage/names';
import { decodeQueueMessage, encodeQueueMessage } from '../../../src/storage/queueMessageEncoding';

let azurite: Azurite;
let service: QueueServiceClient;
const queueName = queues.exchangePhotoWrites;

beforeAll(async () => {
  azurite = await startAzurite({ ports: 'ephemeral', persistence: 'memory' });
  service = QueueServiceClient.fromConnectionString(azurite.connectionString);
  await service.getQueueClient(queueName).createIfNotExists();
  await service.getQueueClient(poisonQueueName(queueName)).createIfNotExists();
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

async function drain(name: string): Promise<unknown[]> {
  const { receivedMessageItems } = await service.getQueueClient(name).receiveMessages({ numberOfMessages: 32 });
  return receivedMessageItems.map((m) => decodeQueueMessage(m.messageText));
}

describe('replay-poison', () => {
  it('sends host and writer poison back to the queue, keeps malformed dead letters, and can dry-run', async () => {
    const poison = service.getQueueClient(poisonQueueName(queueName));
    const write = (attempt: number) => {
      const userId = randomUUID();
      const contentHash = randomBytes(32).toString('hex');
      const facts = {
        owner: { userId, userPrincipalName: 'adele@contoso.com' },
        contentHash,
        correlationId: randomUUID(),
        receivedAt: new Date(),
        origin: 'hr-upload' as const,
      };
      const photo = { blobName: renditionBlobName(userId, contentHash, 'exchange'), width: 648, height: 648, bytes: 9 };
      const message = exchangeWriteMessage(facts, photo);
      return { exchangePhotoWrite: { ...message.exchangePhotoWrite, attempt } };
    };
    const hostPoisoned = write(0);
    const deadLettered = {
      ...write(10),
      deadLetter: { code: 'attempts-exhausted', message: 'gave up', at: new Date().toISOString() },
    };
    const malformed = { payload: 'not a write', deadLetter: { code: 'malformed-message', message: 'x', at: '' } };
    // Parked by anyone who can send to the poison queue: a replay must not turn it into a real write.
    const forged = write(0);
    forged.exchangePhotoWrite.photo.blobName = '../photos-archive/2026/12/01/original.jpg';
    for (const message of [hostPoisoned, deadLettered, malformed, forged])
      await poison.sendMessage(encodeQueueMessage(message));

    const lines: string[] = [];
    const dry = await replayPoisonQueue(service, queueName, { max: 10, dryRun: true, log: (l) => lines.push(l) });
    expect(dry).toEqual({ replayed: 0, left: 4 });
    expect(lines.filter((l) => l.startsWith('would replay'))).toHaveLength(2);
    expect(await drain(queueName)).toEqual([]);

    const real = await replayPoisonQueue(service, queueName, { max: 10, log: () => undefined });
    expect(real).toEqual({ replayed: 2, left: 2 });
    expect(lines.some((l) => l.startsWith('keep') && l.includes('untrusted-message'))).toBe(true);
    const back = await drain(queueName);
    expect(back).toEqual(
      expect.arrayContaining([
        hostPoisoned,
        { exchangePhotoWrite: { ...deadLettered.exchangePhotoWrite, attempt: 0 } },
      ]),
    );
    expect(back).toHaveLength(2);
  });
});
