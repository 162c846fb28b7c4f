// PhotoStateStore and DecisionExecutor against real Azurite: optimistic concurrency, the "where is this person's
// photo" query, delayed re-enqueue and dead-lettering in the encoding the Functions host reads.

import { QueueServiceClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type Azurite } from '../../../dev/azurite';
import { writePhotoToTarget } from '../../../src/pipeline/write/writePhotoToTarget';
import { PhotoChangeStateStore } from '../../../src/storage/PhotoChangeStateStore';
import { PhotoStateStore } from '../../../src/storage/PhotoStateStore';
import { DecisionExecutor } from '../../../src/edge/DecisionExecutor';
import { decision } from '../../../src/pipeline/messages/Decision';
import { decodeQueueMessage } from '../../../src/storage/queueMessageEncoding';
import { poisonQueueName, queues } from '../../../src/storage/names';
import { uniqueName, waitFor } from '../../support/localStackFixture';

let azurite: Azurite;

beforeAll(async () => {
  azurite = await startAzurite({ ports: 'ephemeral', persistence: 'memory' });
});

afterAll(async () => {
  await azurite?.stop();
});

function store(): PhotoStateStore {
  // A table per test keeps tests independent; the product always uses tables.photoState.
  const table = TableClient.fromConnectionString(azurite.connectionString, uniqueName('state').replace(/-/g, ''), {
    allowInsecureConnection: true,
  });
  return new PhotoStateStore(table);
}

describe('PhotoStateStore', () => {
  it('creates, merges and reads back one row per user and target', async () => {
    const states = store();
    await states.update('u-1', 'exchange', () => ({ lastContentHash: 'a', lastOutcome: 'written' }));
    await states.update('u-1', 'exchange', () => ({ lastMediaEtag: '"E1"' }));
    await states.update('u-1', 'sharepoint', () => ({
      lastOutcome: 'permanent-failure',
      lastErrorCode: 'permission-denied',
    }));
    expect(await states.get('u-1', 'exchange')).toMatchObject({
      userId: 'u-1',
      target: 'exchange',
      lastContentHash: 'a',
      lastMediaEtag: '"E1"',
    });
    const rows = await states.listForUser('u-1');
    expect(rows.map((r) => r.target).sort()).toEqual(['exchange', 'sharepoint']);
    expect(await states.get('u-2', 'exchange')).toBeUndefined();
  });

  it('keeps a rendition reference as an object across the table round trip', async () => {
    const states = store();
    const lastRendition = { blobName: 'u-1/h/exchange.jpg', width: 648, height: 648, bytes: 1234 };
    await states.update('u-1', 'exchange', () => ({ lastRendition }));
    expect((await states.get('u-1', 'exchange'))?.lastRendition).toEqual(lastRendition);
  });

  it('loses no update when writers race on the same row', async () => {
    const states = store();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        states.update('u-race', 'graph-photo', (current) => ({
          lastErrorMessage: `${current?.lastErrorMessage ?? ''}${i}`,
        })),
      ),
    );
    const digits = (await states.get('u-race', 'graph-photo'))?.lastErrorMessage ?? '';
    expect(digits.split('').sort().join('')).toBe('012345');
  });
});

describe('DecisionExecutor', () => {
  it('queues a reschedule that stays invisible for the delay, base64 encoded, creating the queue on first use', async () => {
    const queueService = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const queue = queueService.getQueueClient(queues.exchangePhotoWrites);
    const logged: string[] = [];
    try {
      await new DecisionExecutor(queueService).carryOut(
        decision({
          sends: [{ queue: 'exchangePhotoWrites', message: { exchangePhotoWrite: { attempt: 1 } }, delayMs: 2_000 }],
          logs: [{ level: 'info', fields: { event: 'photo-write', outcome: 'rescheduled' } }],
        }),
        { info: (line) => logged.push(line), warn: (line) => logged.push(line) },
      );
      expect(logged).toEqual(['{"event":"photo-write","outcome":"rescheduled"}']);
      expect((await queue.receiveMessages()).receivedMessageItems).toHaveLength(0);
      const [message] = await waitFor(
        async () => {
          const items = (await queue.receiveMessages()).receivedMessageItems;
          return items.length > 0 ? items : undefined;
        },
        { what: 'the rescheduled message to become visible', timeoutMs: 10_000 },
      );
      expect(decodeQueueMessage(message?.messageText ?? '')).toEqual({ exchangePhotoWrite: { attempt: 1 } });
    } finally {
      await queue.deleteIfExists();
    }
  });

  it('dead-letters into {queue}-poison with the cause beside the payload', async () => {
    const queueService = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const poison = queueService.getQueueClient(poisonQueueName(queues.sharePointPhotoWrites));
    try {
      const now = () => new Date('2026-11-23T10:00:00Z');
      const cause = { code: 'attempts-exhausted', message: 'still 429' };
      await new DecisionExecutor(queueService, { now }).carryOut(
        decision({ deadLetters: [{ queue: 'sharePointPhotoWrites', message: { a: 1 }, cause }] }),
        { info: () => undefined, warn: () => undefined },
      );
      const [message] = (await poison.receiveMessages()).receivedMessageItems;
      expect(decodeQueueMessage(message?.messageText ?? '')).toEqual({
        a: 1,
        deadLetter: { code: 'attempts-exhausted', message: 'still 429', at: '2026-11-23T10:00:00.000Z' },
      });
    } finally {
      await poison.deleteIfExists();
    }
  });
});

describe('the write claim on real Table storage', () => {
  it('lets one of two instances racing on one person write, and the other step back without sending', async () => {
    // Two instances: each its own writer with no shared in-process serializer, one table between them.
    const states = store();
    const steppedBack: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const performed: string[] = [];
    const write = (instance: string, contentHash: string) =>
      writePhotoToTarget(
        {
          target: 'sharepoint',
          subject: {
            userId: 'u-race',
            userPrincipalName: 'race@contoso.com',
            contentHash,
            receivedAt: '2026-11-23T10:00:00.000Z',
            attempt: 0,
          },
          async perform() {
            performed.push(instance);
            await gate;
            return {};
          },
        },
        { state: states },
      ).then((result) => {
        if (result.outcome === 'rescheduled') steppedBack.push(instance);
        return result;
      });
    const first = write('a', 'hash-a');
    const second = write('b', 'hash-b');
    await waitFor(() => performed.length === 1 && steppedBack.length === 1, {
      timeoutMs: 10_000,
      what: 'one write started and the other stepped back',
    });
    release();
    const outcomes = (await Promise.all([first, second])).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['rescheduled', 'written']);
    expect(performed).toHaveLength(1);
    expect(await states.get('u-race', 'sharepoint')).toMatchObject({
      lastContentHash: performed[0] === 'a' ? 'hash-a' : 'hash-b',
      writeClaimId: '',
    });
  });
});

describe("the photo-change path's view of an Exchange write", () => {
  it('sees a write under way while it holds its claim, and never its read-back etag as seen', async () => {
    const states = store();
    const view = new PhotoChangeStateStore(states);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let put = false;
    const writing = writePhotoToTarget(
      {
        target: 'exchange',
        subject: {
          userId: 'u-echo',
          userPrincipalName: 'echo@contoso.com',
          contentHash: 'hash-a',
          receivedAt: '2026-11-23T10:00:00.000Z',
          attempt: 0,
        },
        async perform() {
          put = true; // the PUT is done: Graph already shows our photo
          await gate;
          return { lastMediaEtag: '"ECHO"' };
        },
      },
      { state: states },
    );
    await waitFor(() => put, { timeoutMs: 10_000, what: 'the write put its photo' });
    expect(await view.get('u-echo')).toEqual({ seenMediaEtags: [], exchangeWriteUnderWay: true });
    release();
    await expect(writing).resolves.toEqual({ outcome: 'written' });
    // Read right after the PUT, the etag may be the previous photo's (Graph's read-after-write lag): not evidence.
    expect(await view.get('u-echo')).toEqual({ seenMediaEtags: [] });
  });
});
