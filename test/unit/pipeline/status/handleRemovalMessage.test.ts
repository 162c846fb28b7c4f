import {
  handleRemovalMessage,
  type RemovalHandlingOptions,
} from '../../../../src/pipeline/status/handleRemovalMessage';
import { photoRemovalMessage } from '../../../../src/pipeline/status/removalMessages';
import { requestRemoval } from '../../../../src/pipeline/status/requestRemoval';
import type { QueueSend } from '../../../../src/pipeline/messages/Decision';
import { M365RequestError } from '../../../../src/m365/M365RequestError';
import { InMemoryPhotoState } from '../write/writeTestDoubles';
import { InMemoryRemovalAudit } from './removalTestDoubles';

const person = { id: '22222222-2222-4222-8222-222222222222', userPrincipalName: 'lee@contoso.com' };

function setup() {
  const clock = { now: new Date('2026-12-02T10:00:00Z') };
  const state = new InMemoryPhotoState();
  const audit = new InMemoryRemovalAudit();
  const sent: QueueSend[] = [];
  const sharePoint: { fail?: Error } = {};
  const options: RemovalHandlingOptions = {
    state,
    audit,
    deleteExchangePhoto: () => Promise.resolve('deleted'),
    resetSharePointToPlaceholder: () =>
      sharePoint.fail ? Promise.reject(sharePoint.fail) : Promise.resolve({ thumbnailsDeleted: 3, profile: 'reset' }),
    deleteStoredPhotos: () => Promise.resolve(4),
    inDirectory: () => Promise.resolve(true),
    targets: { exchange: true, sharePoint: true },
    now: () => clock.now,
    delay: () => Promise.resolve(),
    backoff: { baseDelayMs: 2_000, maxDelayMs: 60_000 },
  };
  const ask = async () => {
    const record = await requestRemoval(
      person,
      { requestedBy: 'diego@contoso.com', via: 'status-page', reason: 'privacy request' },
      {
        state,
        audit,
        send: (sends) => {
          sent.push(...sends);
          return Promise.resolve();
        },
        now: () => clock.now,
        newRequestId: () => 'req-1',
      },
    );
    return record;
  };
  return { options, audit, sent, sharePoint, ask, state };
}

describe('requestRemoval', () => {
  it('records who asked, marks the rows removed and queues a reference to the record, deleting nothing yet', async () => {
    const { ask, audit, sent, state } = setup();
    await ask();
    expect(await audit.get(person.id, 'req-1')).toMatchObject({
      status: 'requested',
      requestedBy: 'diego@contoso.com',
      reason: 'privacy request',
      requestedAt: '2026-12-02T10:00:00.000Z',
    });
    expect(sent).toEqual([{ queue: 'photoRemovals', message: photoRemovalMessage(person.id, 'req-1') }]);
    expect((await state.get(person.id, 'exchange'))?.removedAt).toBe('2026-12-02T10:00:00.000Z');
    expect((await state.get(person.id, 'sharepoint'))?.removedAt).toBe('2026-12-02T10:00:00.000Z');
  });
});

describe('handleRemovalMessage', () => {
  it('completes the removal its record describes, and does nothing for a duplicate delivery', async () => {
    const { options, audit, ask } = setup();
    await ask();
    const first = await handleRemovalMessage(photoRemovalMessage(person.id, 'req-1'), options);
    expect(first.logs[0]?.fields).toMatchObject({ outcome: 'completed', exchange: 'deleted', storedPhotosDeleted: 4 });
    expect(await audit.get(person.id, 'req-1')).toMatchObject({ status: 'completed', attempts: 1 });
    const again = await handleRemovalMessage(photoRemovalMessage(person.id, 'req-1'), options);
    expect(again.logs[0]?.fields).toMatchObject({ outcome: 'already-completed' });
    expect(again.sends).toEqual([]);
  });

  it('keeps a half-failed removal requested with the reason, and tries again later honouring Retry-After', async () => {
    const { options, audit, ask, sharePoint } = setup();
    await ask();
    sharePoint.fail = new M365RequestError({
      service: 'sharepoint',
      status: 429,
      code: 'TooManyRequests',
      message: 'throttled',
      retryAfterMs: 7_000,
    });
    const decision = await handleRemovalMessage(photoRemovalMessage(person.id, 'req-1'), options);
    expect(decision.sends).toEqual([
      { queue: 'photoRemovals', message: photoRemovalMessage(person.id, 'req-1', 1), delayMs: 7_000 },
    ]);
    expect(decision.deadLetters).toEqual([]);
    expect(await audit.get(person.id, 'req-1')).toMatchObject({
      status: 'requested',
      attempts: 1,
      lastErrorCode: 'TooManyRequests',
    });

    delete sharePoint.fail;
    await handleRemovalMessage(photoRemovalMessage(person.id, 'req-1', 1), options);
    expect(await audit.get(person.id, 'req-1')).toMatchObject({ status: 'completed', attempts: 2, lastErrorCode: '' });
  });

  it('records a permanent refusal as failed with the reason and parks the message', async () => {
    const { options, audit, ask, sharePoint } = setup();
    await ask();
    sharePoint.fail = new M365RequestError({ service: 'sharepoint', status: 403, code: 'AccessDenied', message: 'no' });
    const decision = await handleRemovalMessage(photoRemovalMessage(person.id, 'req-1'), options);
    expect(decision.sends).toEqual([]);
    expect(decision.deadLetters[0]?.cause.code).toBe('AccessDenied');
    expect(await audit.get(person.id, 'req-1')).toMatchObject({ status: 'failed', lastErrorCode: 'AccessDenied' });
  });

  it('gives up as attempts-exhausted after the last try', async () => {
    const { options, audit, ask, sharePoint } = setup();
    await ask();
    sharePoint.fail = new M365RequestError({ service: 'sharepoint', status: 503, code: 'Unavailable', message: 'x' });
    const decision = await handleRemovalMessage(photoRemovalMessage(person.id, 'req-1', 9), options);
    expect(decision.deadLetters[0]?.cause.code).toBe('attempts-exhausted');
    expect((await audit.get(person.id, 'req-1'))?.status).toBe('failed');
  });

  it('refuses a message with no removal record behind it (queue rights alone remove nobody)', async () => {
    const { options } = setup();
    const decision = await handleRemovalMessage(photoRemovalMessage(person.id, 'forged'), options);
    expect(decision.deadLetters[0]?.cause.code).toBe('untrusted-message');
    const malformed = await handleRemovalMessage({ photoRemoval: { schema: 'x' } }, options);
    expect(malformed.deadLetters[0]?.cause.code).toBe('malformed-message');
    const notGuid = await handleRemovalMessage(photoRemovalMessage('../etc', 'req-1'), options);
    expect(notGuid.deadLetters[0]?.cause.code).toBe('untrusted-message');
  });

  it('waits out storage answering 503 while deleting our copies, with the reason recorded', async () => {
    const { options, audit, ask } = setup();
    await ask();
    options.deleteStoredPhotos = () =>
      Promise.reject(Object.assign(new Error('The server is busy.'), { statusCode: 503 }));
    const decision = await handleRemovalMessage(photoRemovalMessage(person.id, 'req-1'), options);
    expect(decision.sends).toHaveLength(1);
    expect(await audit.get(person.id, 'req-1')).toMatchObject({
      status: 'requested',
      lastErrorCode: 'storage-unavailable',
    });
  });

  it('throws what it cannot classify for the host to retry, with the reason on the record first', async () => {
    const { options, audit, ask } = setup();
    await ask();
    options.deleteStoredPhotos = () => Promise.reject(new TypeError('a bug'));
    options.delivery = { dequeueCount: 2, maxDequeueCount: 5 };
    await expect(handleRemovalMessage(photoRemovalMessage(person.id, 'req-1'), options)).rejects.toThrow('a bug');
    const record = await audit.get(person.id, 'req-1');
    expect(record).toMatchObject({ status: 'requested', lastErrorCode: 'unexpected-error', attempts: 1 });
    expect(record?.lastErrorMessage).toContain('TypeError: a bug');
  });

  it('still throws the error when even its reason cannot be saved', async () => {
    const { options, audit, ask } = setup();
    await ask();
    options.deleteStoredPhotos = () => Promise.reject(new TypeError('a bug'));
    options.audit = {
      get: (userId, requestId) => audit.get(userId, requestId),
      listForUser: (userId) => audit.listForUser(userId),
      save: () => Promise.reject(new Error('table down')),
    };
    await expect(handleRemovalMessage(photoRemovalMessage(person.id, 'req-1'), options)).rejects.toThrow('a bug');
  });

  it("on the host's last try, records what it cannot classify as failed with the cause and parks the message", async () => {
    const { options, audit, ask } = setup();
    await ask();
    options.deleteStoredPhotos = () => Promise.reject(new TypeError('a bug'));
    options.delivery = { dequeueCount: 5, maxDequeueCount: 5 };
    const entry = photoRemovalMessage(person.id, 'req-1');
    const decision = await handleRemovalMessage(entry, options);
    expect(decision.deadLetters).toEqual([
      { queue: 'photoRemovals', message: entry, cause: expect.objectContaining({ code: 'unexpected-error' }) },
    ]);
    const record = await audit.get(person.id, 'req-1');
    expect(record).toMatchObject({ status: 'failed', lastErrorCode: 'unexpected-error' });
    expect(record?.lastErrorMessage).toContain('TypeError: a bug');
    expect(record?.lastErrorMessage).toContain('5 quick tries');
  });
});
