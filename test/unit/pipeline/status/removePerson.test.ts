import {
  EXCHANGE_WRITE_SCHEMA,
  type ExchangePhotoWriteMessage,
} from '../../../../src/pipeline/messages/messageContracts';
import { exchangeWrites } from '../../../../src/pipeline/messages/writeMessages';
import { photoWriterOf } from '../../../../src/pipeline/write/handlePhotoWriteMessage';
import { writeExchangePhoto, type ExchangePhotoPort } from '../../../../src/pipeline/write/writeExchangePhoto';
import { RemovalBusyError, removePerson, type RemovalPorts } from '../../../../src/pipeline/status/removePerson';
import { InMemoryPhotoState, RecordingRescheduler, runWriter } from '../write/writeTestDoubles';

const person = {
  id: '11111111-1111-4111-8111-111111111111',
  userPrincipalName: 'adele@contoso.com',
  displayName: 'Adele Vance',
};

function message(receivedAt: string, contentHash: string, force = false): ExchangePhotoWriteMessage {
  return {
    exchangePhotoWrite: {
      schema: EXCHANGE_WRITE_SCHEMA,
      correlationId: 'c-1',
      owner: { userId: '11111111-1111-4111-8111-111111111111', userPrincipalName: person.userPrincipalName },
      contentHash,
      origin: 'hr-upload',
      receivedAt,
      attempt: 0,
      photo: {
        blobName: `11111111-1111-4111-8111-111111111111/${contentHash}/exchange.jpg`,
        width: 648,
        height: 648,
        bytes: 3,
      },
      ...(force ? { force: true } : {}),
    },
  };
}

class FakeGraph implements ExchangePhotoPort {
  readonly puts: string[] = [];
  putPhoto(_userId: string, jpeg: Buffer): Promise<void> {
    this.puts.push(jpeg.toString());
    return Promise.resolve();
  }
  getPhotoMetadata() {
    return Promise.resolve({ mediaEtag: `"etag-${this.puts.length}"` });
  }
  getPhotoUpdateSettings() {
    return Promise.resolve({ source: 'cloud' });
  }
}

function setup(clock: { now: Date }) {
  const state = new InMemoryPhotoState();
  const calls: string[] = [];
  const ports: RemovalPorts = {
    state,
    deleteExchangePhoto: (userId) => {
      calls.push(`graph:${userId}`);
      return Promise.resolve('deleted');
    },
    resetSharePointToPlaceholder: (upn) => {
      calls.push(`sharepoint:${upn}`);
      return Promise.resolve();
    },
    deleteStoredPhotos: (userId) => {
      calls.push(`stored:${userId}`);
      return Promise.resolve(5);
    },
    recordAudit: (entry) => {
      calls.push(`audit:${entry.requestedBy}`);
      return Promise.resolve();
    },
    targets: { exchange: true, sharePoint: true },
    now: () => clock.now,
    delay: (ms) => {
      clock.now = new Date(clock.now.getTime() + ms);
      return Promise.resolve();
    },
  };
  return { state, calls, ports };
}

describe('removePerson', () => {
  it('deletes everywhere, then records who asked and when, without the photo', async () => {
    const clock = { now: new Date('2026-12-02T10:00:10Z') };
    const { calls, ports } = setup(clock);
    const audit = await removePerson(person, { requestedBy: 'diego@contoso.com', via: 'status-page' }, ports);
    expect(calls).toEqual([
      'graph:11111111-1111-4111-8111-111111111111',
      'sharepoint:adele@contoso.com',
      'stored:11111111-1111-4111-8111-111111111111',
      'audit:diego@contoso.com',
    ]);
    expect(audit).toEqual({
      userId: '11111111-1111-4111-8111-111111111111',
      userPrincipalName: 'adele@contoso.com',
      requestedBy: 'diego@contoso.com',
      requestedAt: '2026-12-02T10:00:10.000Z',
      via: 'status-page',
      exchange: 'deleted',
      sharePoint: 'reset',
      storedPhotosDeleted: 5,
    });
  });

  it('wins over a photo queued before it, even a forced one, and lets a later photo through', async () => {
    const clock = { now: new Date('2026-12-02T10:00:05Z') };
    const { state, ports } = setup(clock);
    const graph = new FakeGraph();
    const rescheduler = new RecordingRescheduler<ExchangePhotoWriteMessage>();
    const deps = {
      graph,
      state,
      rescheduler,
      renditions: { readRendition: (n: string) => Promise.resolve(Buffer.from(n)) },
      enabled: true,
      now: () => clock.now,
    };
    const writer = photoWriterOf(exchangeWrites, 'exchange', deps, writeExchangePhoto);
    await runWriter(
      writer,
      message('2026-12-02T10:00:00.000Z', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
      rescheduler,
    );

    clock.now = new Date('2026-12-02T10:00:10Z');
    await removePerson(person, { requestedBy: 'diego@contoso.com', via: 'status-page' }, ports);
    for (const queued of [
      message('2026-12-02T10:00:03.000Z', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'),
      message('2026-12-02T10:00:00.000Z', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', true),
    ]) {
      await expect(runWriter(writer, queued, rescheduler)).resolves.toEqual({ outcome: 'skipped-stale' });
    }
    expect(graph.puts).toEqual([
      '11111111-1111-4111-8111-111111111111/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/exchange.jpg',
    ]);

    clock.now = new Date('2026-12-02T11:00:00Z');
    await expect(
      runWriter(
        writer,
        message('2026-12-02T10:59:00.000Z', 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc'),
        rescheduler,
      ),
    ).resolves.toEqual({
      outcome: 'written',
    });
    expect(graph.puts).toEqual([
      '11111111-1111-4111-8111-111111111111/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/exchange.jpg',
      '11111111-1111-4111-8111-111111111111/cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc/exchange.jpg',
    ]);
  });

  it('waits for a write already under way to finish before deleting', async () => {
    const clock = { now: new Date('2026-12-02T10:00:10Z') };
    const { state, calls, ports } = setup(clock);
    await state.update('11111111-1111-4111-8111-111111111111', 'sharepoint', () => ({
      writeClaimId: 'w',
      writeClaimExpiresAt: '2026-12-02T10:05:00.000Z',
    }));
    let looks = 0;
    const delay = ports.delay;
    ports.delay = async (ms) => {
      if (++looks === 3)
        await state.update('11111111-1111-4111-8111-111111111111', 'sharepoint', () => ({
          writeClaimId: '',
          writeClaimExpiresAt: '',
        }));
      return delay(ms);
    };
    await removePerson(person, { requestedBy: 'diego@contoso.com', via: 'api' }, ports);
    expect(looks).toBe(3);
    expect(calls[0]).toBe('graph:11111111-1111-4111-8111-111111111111');
  });

  it('gives up with "try again" and deletes nothing while a write stays under way', async () => {
    const clock = { now: new Date('2026-12-02T10:00:10Z') };
    const { state, calls, ports } = setup(clock);
    await state.update('11111111-1111-4111-8111-111111111111', 'exchange', () => ({
      writeClaimId: 'w',
      writeClaimExpiresAt: '2026-12-02T10:05:00.000Z',
    }));
    await expect(removePerson(person, { requestedBy: 'diego@contoso.com', via: 'api' }, ports)).rejects.toBeInstanceOf(
      RemovalBusyError,
    );
    expect(calls).toEqual([]);
  });
});
