import { M365RequestError } from '../../../../src/m365/M365RequestError';
import type { QueueSend } from '../../../../src/pipeline/messages/Decision';
import {
  DEFER_WHILE_WRITING_MS,
  handlePhotoChangeMessage,
  type HandlePhotoChangeOptions,
} from '../../../../src/pipeline/photoChange/handlePhotoChangeMessage';
import {
  PHOTO_CHANGE_SCHEMA,
  type ExchangePhotoWriteMessage,
  type PhotoChangeMessage,
  type SharePointPhotoWriteMessage,
} from '../../../../src/pipeline/messages/messageContracts';
import type { RenditionRef } from '../../../../src/pipeline/messages/renditions';
import { NOTIFICATION_SETTLE_MS } from '../../../../src/pipeline/photoChange/settleDelay';
import type { PhotoChangeState } from '../../../../src/pipeline/photoChange/PhotoChangePorts';

const USER = { id: '11111111-1111-4111-8111-111111111111', userPrincipalName: 'adele.vance@contoso.com' };
const RECEIVED_AT = new Date('2026-11-23T10:00:00.000Z');
const SETTLED = new Date(RECEIVED_AT.getTime() + NOTIFICATION_SETTLE_MS);

function ref(blobName: string): RenditionRef {
  return { blobName, width: 48, height: 48, bytes: 100 };
}

function message(fields: Partial<PhotoChangeMessage['photoChange']> = {}): PhotoChangeMessage {
  return {
    photoChange: {
      schema: PHOTO_CHANGE_SCHEMA,
      userId: USER.id,
      changeType: 'updated',
      receivedAt: RECEIVED_AT.toISOString(),
      correlationId: 'corr-1',
      source: 'notification',
      attempt: 0,
      ...fields,
    },
  };
}

/** One user whose Graph photo is `W/"1"`, or whose photo read fails with `graphFails`. */
function options(
  fields: { now?: Date; graphFails?: Error; sharePointEnabled?: boolean; state?: PhotoChangeState } = {},
): HandlePhotoChangeOptions {
  const hrPhoto = fields.state?.hrPhoto;
  return {
    authority: hrPhoto ? 'hr' : 'user',
    sharePointEnabled: fields.sharePointEnabled ?? true,
    send: (sends) => {
      sentByUseCase.push(...sends);
      return Promise.resolve();
    },
    now: () => fields.now ?? SETTLED,
    photoReadLagMs: 120_000,
    fingerprints: {
      ofBytes: (bytes) => Promise.resolve(bytes.toString('base64')),
      ofRendition: () => Promise.resolve(undefined),
    },
    photos: {
      getPhotoMetadata: () =>
        fields.graphFails
          ? Promise.reject(fields.graphFails)
          : Promise.resolve({ mediaEtag: 'W/"1"', width: 96, height: 96 }),
      getPhotoContent: () => Promise.resolve(Buffer.from('photo')),
    },
    directory: { findUserById: (id) => Promise.resolve(id === USER.id ? USER : undefined) },
    state: {
      get: () => Promise.resolve(fields.state ?? { seenMediaEtags: [] }),
      recordMediaEtag: () => Promise.resolve(),
      markSharePointRemoved: () => Promise.resolve(),
    },
    renditions: {
      renderAndStore: (owner) =>
        Promise.resolve({
          contentHash: '1111111111111111111111111111111111111111111111111111111111111111',
          thumbnails: {
            small: ref(`${owner.userId}/1111111111111111111111111111111111111111111111111111111111111111/S.jpg`),
            medium: ref(`${owner.userId}/1111111111111111111111111111111111111111111111111111111111111111/M.jpg`),
            large: ref(`${owner.userId}/1111111111111111111111111111111111111111111111111111111111111111/L.jpg`),
          },
        }),
    },
  };
}

function graphError(status: number, code: string, retryAfterMs?: number): M365RequestError {
  return new M365RequestError({
    service: 'graph',
    status,
    code,
    message: `answered ${status}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** What the use case queued itself (the propagated photo's SharePoint write), per test. */
let sentByUseCase: QueueSend[] = [];
beforeEach(() => {
  sentByUseCase = [];
});

describe('handlePhotoChangeMessage', () => {
  it('dead-letters a malformed message whole, with the reason in the cause and the warning', async () => {
    const entry = { photoChange: { schema: 'photo-change/v0' } };
    const decision = await handlePhotoChangeMessage(entry, options());
    expect(decision).toMatchObject({
      kind: 'dead-letter',
      sends: [],
      deadLetters: [{ queue: 'photoChanges', message: entry, cause: { code: 'malformed-message' } }],
    });
    expect(decision.logs.map((line) => line.level)).toEqual(['warn']);
    expect(decision.logs[0]?.fields).toMatchObject({ event: 'photo-change', outcome: 'dead-lettered' });
    expect(decision.logs[0]?.fields.reason).toContain('schema');
  });

  it('puts a notification younger than the settle time back unchanged, for the rest of that time', async () => {
    const now = new Date(RECEIVED_AT.getTime() + 1_000);
    const decision = await handlePhotoChangeMessage(message(), options({ now }));
    expect(decision).toMatchObject({
      kind: 'settle',
      sends: [{ queue: 'photoChanges', message: message(), delayMs: NOTIFICATION_SETTLE_MS - 1_000 }],
    });
    expect(decision.logs).toHaveLength(1);
    expect(decision.logs[0]).toEqual({
      level: 'info',
      fields: {
        event: 'photo-change',
        userId: USER.id,
        source: 'notification',
        correlationId: 'corr-1',
        outcome: 'settling',
        delayMs: NOTIFICATION_SETTLE_MS - 1_000,
      },
    });
  });

  it('hands a propagated photo to the SharePoint writer and reports how long it took', async () => {
    const decision = await handlePhotoChangeMessage(message(), options());
    expect(decision.kind).toBe('outcome');
    if (decision.kind !== 'outcome') return;
    // Queued by the use case itself before it recorded the etag; the decision does not queue it a second time.
    expect(decision.sends).toEqual([]);
    expect(sentByUseCase).toEqual([
      { queue: 'sharePointPhotoWrites', message: expect.objectContaining({ sharePointPhotoWrite: expect.anything() }) },
    ]);
    expect(
      sentByUseCase.map((s) => (s.message as SharePointPhotoWriteMessage).sharePointPhotoWrite.contentHash),
    ).toEqual(['1111111111111111111111111111111111111111111111111111111111111111']);
    expect(decision.logs[0]?.level).toBe('info');
    expect(decision.logs[0]?.fields).toMatchObject({
      outcome: 'propagated',
      mediaEtag: 'W/"1"',
      contentHash: '1111111111111111111111111111111111111111111111111111111111111111',
    });
    expect(decision.logs[0]?.fields.durationMs).toBe(0);
  });

  it('puts a change found during our own Exchange write back on the queue, same attempt, to look again', async () => {
    const decision = await handlePhotoChangeMessage(
      message(),
      options({ state: { seenMediaEtags: [], exchangeWriteUnderWay: true } }),
    );
    expect(decision).toMatchObject({
      kind: 'settle',
      sends: [{ queue: 'photoChanges', message: message(), delayMs: DEFER_WHILE_WRITING_MS }],
      deadLetters: [],
    });
    expect(decision.logs[0]?.fields).toMatchObject({ outcome: 'deferred', reason: 'exchange-write-under-way' });
    expect(sentByUseCase).toEqual([]);
  });

  it('queues no SharePoint write when the SharePoint target is off', async () => {
    const decision = await handlePhotoChangeMessage(message(), options({ sharePointEnabled: false }));
    expect(decision).toMatchObject({ kind: 'outcome', sends: [], deadLetters: [] });
    expect(sentByUseCase).toEqual([]);
  });

  it('with HR as the authority, queues the forced Exchange write and warns that a photo was replaced', async () => {
    const hrPhoto = { contentHash: 'hr-hash', exchange: ref(`${USER.id}/hr-hash/exchange.jpg`) };
    const decision = await handlePhotoChangeMessage(message(), options({ state: { seenMediaEtags: [], hrPhoto } }));
    expect(decision.kind).toBe('outcome');
    if (decision.kind !== 'outcome') return;
    expect(decision.sends.map((s) => s.queue)).toEqual(['exchangePhotoWrites']);
    expect(decision.sends.map((s) => (s.message as ExchangePhotoWriteMessage).exchangePhotoWrite.force)).toEqual([
      true,
    ]);
    expect(decision.logs).toHaveLength(1);
    expect(decision.logs[0]).toEqual({
      level: 'warn',
      fields: expect.objectContaining({
        outcome: 'restored-hr',
        replacedEtag: 'W/"1"',
        contentHash: 'hr-hash',
        authority: 'hr',
      }) as unknown,
    });
  });

  it('reschedules a throttled Graph read one attempt further on and warns with the cause', async () => {
    const decision = await handlePhotoChangeMessage(
      message({ attempt: 1 }),
      options({ graphFails: graphError(429, 'TooManyRequests', 9_000) }),
    );
    expect(decision).toMatchObject({
      kind: 'reschedule',
      sends: [{ queue: 'photoChanges', delayMs: 9_000, message: message({ attempt: 2 }) }],
      logs: [{ level: 'warn', fields: { outcome: 'reschedule', code: 'throttled' } }],
    });
  });

  it('dead-letters a change still throttled after its last attempt', async () => {
    const decision = await handlePhotoChangeMessage(
      message({ attempt: 9 }),
      options({ graphFails: graphError(503, 'ServiceUnavailable', 1_000) }),
    );
    expect(decision).toMatchObject({
      kind: 'dead-letter',
      sends: [],
      deadLetters: [
        { queue: 'photoChanges', message: message({ attempt: 10 }), cause: { code: 'attempts-exhausted' } },
      ],
      logs: [{ level: 'warn', fields: { outcome: 'dead-letter', code: 'attempts-exhausted' } }],
    });
  });

  it('completes a change Graph refuses for good, warning with the code', async () => {
    const decision = await handlePhotoChangeMessage(
      message(),
      options({ graphFails: graphError(404, 'Request_ResourceNotFound') }),
    );
    expect(decision).toMatchObject({
      kind: 'permanent',
      sends: [],
      deadLetters: [],
      logs: [{ level: 'warn', fields: { outcome: 'permanent', code: 'user-not-found' } }],
    });
  });

  it('throws Graph failures it cannot classify and anything that is not a Graph failure for the host to retry', async () => {
    const notImplemented = graphError(501, 'NotImplemented');
    await expect(handlePhotoChangeMessage(message(), options({ graphFails: notImplemented }))).rejects.toBe(
      notImplemented,
    );
    const bug = new TypeError('not a Graph failure');
    await expect(handlePhotoChangeMessage(message(), options({ graphFails: bug }))).rejects.toBe(bug);
  });
});
