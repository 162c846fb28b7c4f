// The one edge module that carries decisions out: the order that loses nothing, the encoding the host reads, the
// visibility delay of a reschedule, the poison entry of a dead letter, each queue created once.

import type { QueueServiceClient } from '@azure/storage-queue';
import { DecisionExecutor } from '../../../src/edge/DecisionExecutor';
import { decision } from '../../../src/pipeline/messages/Decision';
import { decodeQueueMessage } from '../../../src/storage/queueMessageEncoding';

/** Records every queue operation, in order, across queues. */
function fakeQueues() {
  const events: string[] = [];
  const service = {
    getQueueClient: (name: string) => ({
      name,
      createIfNotExists: () => {
        events.push(`create ${name}`);
        return Promise.resolve();
      },
      sendMessage: (text: string, options?: { visibilityTimeout?: number }) => {
        const delay = options?.visibilityTimeout === undefined ? '' : ` +${options.visibilityTimeout}s`;
        events.push(`send ${name}${delay} ${JSON.stringify(decodeQueueMessage(text))}`);
        return Promise.resolve();
      },
    }),
  };
  return { events, service: service as unknown as QueueServiceClient };
}

describe('DecisionExecutor', () => {
  it('queues, then dead-letters, then logs: the trigger is acknowledged only after all of it', async () => {
    const { events, service } = fakeQueues();
    const executor = new DecisionExecutor(service, { now: () => new Date('2026-11-23T10:00:00Z') });
    const log = {
      info: (line: string) => events.push(`info ${line}`),
      warn: (line: string) => events.push(`warn ${line}`),
    };
    await executor.carryOut(
      decision({
        sends: [
          { queue: 'sharePointPhotoWrites', message: { a: 1 } },
          { queue: 'photoChanges', message: { b: 2 }, delayMs: 2_500 },
        ],
        deadLetters: [
          { queue: 'exchangePhotoWrites', message: 'not json', cause: { code: 'malformed-message', message: 'x' } },
        ],
        logs: [{ level: 'warn', fields: { event: 'photo-write', outcome: 'dead-lettered' } }],
      }),
      log,
    );
    expect(events).toEqual([
      'create sharepoint-photo-writes',
      'create photo-changes',
      'send sharepoint-photo-writes {"a":1}',
      'send photo-changes +3s {"b":2}',
      'create exchange-photo-writes-poison',
      'send exchange-photo-writes-poison {"payload":"not json","deadLetter":{"code":"malformed-message","message":"x","at":"2026-11-23T10:00:00.000Z"}}',
      'warn {"event":"photo-write","outcome":"dead-lettered"}',
    ]);
  });

  it('creates each queue once per process and caps a delay at the service limit of 7 days', async () => {
    const { events, service } = fakeQueues();
    const executor = new DecisionExecutor(service);
    await executor.send([{ queue: 'photoChanges', message: {} }]);
    await executor.send([{ queue: 'photoChanges', message: {}, delayMs: 30 * 24 * 3_600_000 }]);
    expect(events).toEqual(['create photo-changes', 'send photo-changes {}', 'send photo-changes +604800s {}']);
  });
});
