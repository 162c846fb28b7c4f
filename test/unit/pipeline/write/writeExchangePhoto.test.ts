import {
  EXCHANGE_WRITE_SCHEMA,
  type ExchangePhotoWriteMessage,
} from '../../../../src/pipeline/messages/messageContracts';
import { writeExchangePhoto, type ExchangePhotoPort } from '../../../../src/pipeline/write/writeExchangePhoto';
import { photoWriterOf } from '../../../../src/pipeline/write/handlePhotoWriteMessage';
import { exchangeWrites } from '../../../../src/pipeline/messages/writeMessages';
import { InMemoryPhotoState, RecordingRescheduler, m365Failure, runWriter } from './writeTestDoubles';

/** The writer as the composition root registers it. */
const writer = (deps: Parameters<typeof writeExchangePhoto>[1]) =>
  photoWriterOf(exchangeWrites, 'exchange', deps, writeExchangePhoto);

function message(overrides: Partial<ExchangePhotoWriteMessage['exchangePhotoWrite']> = {}): ExchangePhotoWriteMessage {
  const userId = overrides.owner?.userId ?? '11111111-1111-4111-8111-111111111111';
  const contentHash = overrides.contentHash ?? 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  return {
    exchangePhotoWrite: {
      schema: EXCHANGE_WRITE_SCHEMA,
      correlationId: 'c-1',
      owner: { userId: '11111111-1111-4111-8111-111111111111', userPrincipalName: 'adele@contoso.com' },
      contentHash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      origin: 'hr-upload',
      receivedAt: '2026-11-23T10:00:00.000Z',
      attempt: 0,
      photo: {
        // The one name ingest gives this photo's Exchange rendition: the writer's check accepts no other.
        blobName: `${userId}/${contentHash}/exchange.jpg`,
        width: 648,
        height: 648,
        bytes: 3,
      },
      ...overrides,
    },
  };
}

class FakeGraph implements ExchangePhotoPort {
  readonly puts: Array<{ userId: string; bytes: Buffer }> = [];
  failures: Error[] = [];
  source: string | undefined = 'cloud';
  private etag = 0;

  putPhoto(userId: string, jpeg: Buffer): Promise<void> {
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.puts.push({ userId, bytes: jpeg });
    this.etag++;
    return Promise.resolve();
  }
  getPhotoMetadata() {
    return Promise.resolve({ mediaEtag: `"etag-${this.etag}"` });
  }
  getPhotoUpdateSettings() {
    return Promise.resolve({ source: this.source });
  }
}

function setup() {
  const graph = new FakeGraph();
  const state = new InMemoryPhotoState();
  const rescheduler = new RecordingRescheduler<ExchangePhotoWriteMessage>();
  const renditions = { readRendition: (name: string) => Promise.resolve(Buffer.from(`jpeg:${name}`)) };
  const deps = { graph, state, rescheduler, renditions, enabled: true, now: () => new Date('2026-11-23T10:00:05Z') };
  return { graph, state, rescheduler, deps };
}

describe('writeExchangePhoto', () => {
  it('puts the rendition and records the hash, time and the photo etag Graph now reports', async () => {
    const { graph, state, deps } = setup();
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'written',
    });
    expect(graph.puts).toEqual([
      {
        userId: '11111111-1111-4111-8111-111111111111',
        bytes: Buffer.from(
          'jpeg:11111111-1111-4111-8111-111111111111/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/exchange.jpg',
        ),
      },
    ]);
    expect(await state.get('11111111-1111-4111-8111-111111111111', 'exchange')).toMatchObject({
      lastContentHash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      lastWrittenAt: '2026-11-23T10:00:05.000Z',
      lastOutcome: 'written',
      lastMediaEtag: '"etag-1"',
      lastOrigin: 'hr-upload',
    });
  });

  it('does not write the same content twice', async () => {
    const { graph, deps } = setup();
    await runWriter(writer(deps), message(), deps.rescheduler);
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'skipped-duplicate',
    });
    expect(graph.puts).toHaveLength(1);
  });

  it('writes the same content again when the message is forced (PHOTO_AUTHORITY=hr putting the HR photo back)', async () => {
    const { graph, deps } = setup();
    await runWriter(writer(deps), message(), deps.rescheduler);
    await expect(runWriter(writer(deps), message({ force: true }), deps.rescheduler)).resolves.toEqual({
      outcome: 'written',
    });
    expect(graph.puts).toHaveLength(2);
  });

  it('never writes a member of the protected-accounts group, even a forced write, and records why', async () => {
    const { graph, state, deps } = setup();
    const members = new Set(['11111111-1111-4111-8111-111111111111']);
    const guarded = { ...deps, protectedAccounts: { isProtected: (id: string) => Promise.resolve(members.has(id)) } };
    const result = await runWriter(writer(guarded), message({ force: true }), deps.rescheduler);
    expect(result).toMatchObject({ outcome: 'permanent-failure', code: 'protected-account' });
    expect(graph.puts).toHaveLength(0);
    expect(await state.get('11111111-1111-4111-8111-111111111111', 'exchange')).toMatchObject({
      lastOutcome: 'permanent-failure',
      lastErrorCode: 'protected-account',
      writeClaimId: '',
    });
    members.clear();
    await expect(runWriter(writer(guarded), message(), deps.rescheduler)).resolves.toEqual({ outcome: 'written' });
  });

  it('does not let an older photo arriving late overwrite a newer one', async () => {
    const { graph, deps } = setup();
    await runWriter(
      writer(deps),
      message({
        contentHash: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
        receivedAt: '2026-11-23T11:00:00.000Z',
      }),
      deps.rescheduler,
    );
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'skipped-stale',
    });
    expect(graph.puts).toHaveLength(1);
  });

  it('reschedules a throttled write with attempt + 1 after Retry-After, without throwing', async () => {
    const { graph, rescheduler, state, deps } = setup();
    graph.failures.push(m365Failure({ status: 429, code: 'TooManyRequests', retryAfterMs: 9_000 }));
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'rescheduled',
      delayMs: 9_000,
    });
    expect(rescheduler.rescheduled).toHaveLength(1);
    expect(rescheduler.rescheduled[0]?.message.exchangePhotoWrite.attempt).toBe(1);
    expect(await state.get('11111111-1111-4111-8111-111111111111', 'exchange')).toMatchObject({
      lastOutcome: 'rescheduled',
      lastErrorCode: 'throttled',
    });
  });

  it('dead-letters a write still throttled at the last attempt', async () => {
    const { graph, rescheduler, deps } = setup();
    graph.failures.push(m365Failure({ status: 503 }));
    const result = await runWriter(writer(deps), message({ attempt: 9 }), deps.rescheduler);
    expect(result).toMatchObject({ outcome: 'dead-lettered', code: 'attempts-exhausted' });
    expect(rescheduler.deadLettered).toHaveLength(1);
    expect(rescheduler.rescheduled).toHaveLength(0);
  });

  it('records a user without a mailbox as a terminal outcome and completes', async () => {
    const { graph, state, rescheduler, deps } = setup();
    graph.failures.push(m365Failure({ status: 404, code: 'ErrorNonExistentMailbox' }));
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'permanent-failure',
      code: 'no-exchange-mailbox',
    });
    expect(await state.get('11111111-1111-4111-8111-111111111111', 'exchange')).toMatchObject({
      lastOutcome: 'permanent-failure',
      lastErrorCode: 'no-exchange-mailbox',
    });
    expect(rescheduler.rescheduled.length + rescheduler.deadLettered.length).toBe(0);
  });

  it('explains a refusal by the tenant photo policy when its source is on-premises', async () => {
    const { graph, deps } = setup();
    graph.source = 'onPremises';
    graph.failures.push(m365Failure({ status: 403, code: 'ErrorAccessDenied' }));
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      code: 'tenant-photo-source-on-premises',
    });
  });

  it('keeps a plain missing permission when the tenant photo source is the cloud', async () => {
    const { graph, deps } = setup();
    graph.failures.push(m365Failure({ status: 403, code: 'ErrorAccessDenied' }));
    const result = await runWriter(writer(deps), message(), deps.rescheduler);
    expect(result).toMatchObject({ code: 'permission-denied' });
    expect('message' in result && result.message).toMatch(/ProfilePhoto\.ReadWrite\.All/);
  });

  it('reschedules while Graph is unreachable, with the photo not yet written', async () => {
    const { graph, deps } = setup();
    graph.failures.push(m365Failure({ status: 0, code: 'network-error' }));
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'rescheduled',
      code: 'unavailable',
    });
    expect(graph.puts).toHaveLength(0);
  });

  it('throws a failure the adapter does not call retryable, so the host retries it', async () => {
    const { graph, deps } = setup();
    const failure = m365Failure({ status: 501 });
    graph.failures.push(failure);
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).rejects.toBe(failure);
  });

  it('writes a new photo after an earlier one failed for good', async () => {
    const { graph, deps } = setup();
    graph.failures.push(m365Failure({ status: 403 }));
    await runWriter(writer(deps), message(), deps.rescheduler);
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'written',
    });
    expect(graph.puts).toHaveLength(1);
  });

  it('does nothing when Exchange is not a sync target', async () => {
    const { graph, deps } = setup();
    await expect(runWriter(writer({ ...deps, enabled: false }), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'disabled',
    });
    expect(graph.puts).toHaveLength(0);
  });
});
