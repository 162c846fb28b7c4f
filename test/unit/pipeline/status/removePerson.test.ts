import {
  EXCHANGE_WRITE_SCHEMA,
  type ExchangePhotoWriteMessage,
} from '../../../../src/pipeline/messages/messageContracts';
import { exchangeWrites } from '../../../../src/pipeline/messages/writeMessages';
import { photoWriterOf } from '../../../../src/pipeline/write/handlePhotoWriteMessage';
import { writeExchangePhoto, type ExchangePhotoPort } from '../../../../src/pipeline/write/writeExchangePhoto';
import { RemovalBusyError, removePerson, type RemovalPorts } from '../../../../src/pipeline/status/removePerson';
import type { RemovalRecord } from '../../../../src/pipeline/status/RemovalAuditPort';
import { InMemoryPhotoState, RecordingRescheduler, runWriter } from '../write/writeTestDoubles';
import { InMemoryRemovalAudit } from './removalTestDoubles';

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

function requested(requestedAt: string, requestedBy = 'diego@contoso.com'): RemovalRecord {
  return {
    userId: person.id,
    requestId: 'r-1',
    userPrincipalName: person.userPrincipalName,
    requestedBy,
    requestedAt,
    via: 'status-page',
    reason: 'left the company',
    status: 'requested',
    attempts: 1,
    updatedAt: requestedAt,
  };
}

function setup(clock: { now: Date }) {
  const state = new InMemoryPhotoState();
  const calls: string[] = [];
  const receivedUpToAsked: string[] = [];
  const audit = new InMemoryRemovalAudit();
  const ports: RemovalPorts = {
    state,
    audit,
    deleteExchangePhoto: (userId) => {
      calls.push(`graph:${userId}`);
      return Promise.resolve('deleted');
    },
    resetSharePointToPlaceholder: (upn) => {
      calls.push(`sharepoint:${upn}`);
      return Promise.resolve({ thumbnailsDeleted: 3, profile: 'reset' as const });
    },
    deleteStoredPhotos: (userId, receivedUpTo) => {
      calls.push(`stored:${userId}`);
      receivedUpToAsked.push(receivedUpTo);
      return Promise.resolve(5);
    },
    targets: { exchange: true, sharePoint: true },
    now: () => clock.now,
    delay: (ms) => {
      clock.now = new Date(clock.now.getTime() + ms);
      return Promise.resolve();
    },
  };
  return { state, calls, ports, audit, receivedUpToAsked };
}

describe('removePerson', () => {
  it('deletes everywhere, then completes the audit record: who asked, when, why, what went; never the photo', async () => {
    const clock = { now: new Date('2026-12-02T10:00:12Z') };
    const { calls, ports, audit, receivedUpToAsked } = setup(clock);
    await removePerson(requested('2026-12-02T10:00:10.000Z'), ports);
    // Only photos received up to the removal's moment: one uploaded after it is a new photo.
    expect(receivedUpToAsked).toEqual(['2026-12-02T10:00:10.000Z']);
    expect(calls).toEqual([
      'graph:11111111-1111-4111-8111-111111111111',
      'sharepoint:adele@contoso.com',
      'stored:11111111-1111-4111-8111-111111111111',
    ]);
    expect(await audit.get(person.id, 'r-1')).toEqual({
      ...requested('2026-12-02T10:00:10.000Z'),
      status: 'completed',
      exchange: 'deleted',
      sharePoint: 'reset',
      thumbnailsDeleted: 3,
      storedPhotosDeleted: 5,
      completedAt: '2026-12-02T10:00:12.000Z',
      lastErrorCode: '',
      lastErrorMessage: '',
      updatedAt: '2026-12-02T10:00:12.000Z',
    });
  });

  it('leaves Exchange alone for a person who left the directory (their photo went with the account)', async () => {
    const clock = { now: new Date('2026-12-02T10:00:12Z') };
    const { calls, ports, audit } = setup(clock);
    await removePerson(requested('2026-12-02T10:00:10.000Z'), ports, { inDirectory: false });
    expect(calls).toEqual(['sharepoint:adele@contoso.com', 'stored:11111111-1111-4111-8111-111111111111']);
    expect((await audit.get(person.id, 'r-1'))?.exchange).toBe('not-in-directory');
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
    await removePerson(requested('2026-12-02T10:00:10.000Z'), ports);
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
    await removePerson(requested('2026-12-02T10:00:10.000Z'), ports);
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
    await expect(removePerson(requested('2026-12-02T10:00:10.000Z'), ports)).rejects.toBeInstanceOf(RemovalBusyError);
    expect(calls).toEqual([]);
  });
});
