import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { loadIngestConfig } from '../../../../src/config';
import { ingestPhoto, type IngestOptions, type IngestPorts } from '../../../../src/pipeline/ingest/ingestPhoto';
import type { QueueSend } from '../../../../src/pipeline/messages/Decision';
import type { RenderedRenditions } from '../../../../src/pipeline/messages/renditions';
import { EXCHANGE_WRITE_SCHEMA, SHAREPOINT_WRITE_SCHEMA } from '../../../../src/pipeline/messages/messageContracts';
import { PhotoRejectedError } from '../../../../src/pipeline/ingest/PhotoRejectedError';
import { renderRenditions } from '../../../../src/imaging/renderRenditions';
import { containers } from '../../../../src/storage/names';
import { InMemoryDirectory } from '../../../support/InMemoryDirectory';
import { InMemoryIngestStore } from '../../../support/InMemoryIngestStore';
import { markRemoved } from '../../../../src/pipeline/status/removePerson';
import { InMemoryPhotoState } from '../write/writeTestDoubles';

const adeleId = '3f9a1c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b';

// Stands in for renderRenditions (tested on real images in its own suite): the hash of the bytes, and a rejection
// for content that is not a photo, so the orchestration sees both kinds of answer.
function renderStandIn(calls: Buffer[]): (bytes: Buffer) => Promise<RenderedRenditions> {
  return (bytes) => {
    calls.push(bytes);
    if (bytes.subarray(0, 4).toString() === '<svg') {
      return Promise.reject(new PhotoRejectedError('vector-image', 'SVG drawings cannot be profile photos.'));
    }
    const image = (size: number) => ({ data: Buffer.alloc(size * 3, size), width: size, height: size });
    const contentHash = createHash('sha256').update(bytes).digest('hex');
    return Promise.resolve({
      contentHash,
      exchange: image(648),
      small: image(48),
      medium: image(72),
      large: image(200),
    });
  };
}

function setup(overrides: Partial<IngestOptions> = {}) {
  const store = new InMemoryIngestStore();
  const directory = new InMemoryDirectory();
  directory.add({ id: adeleId, userPrincipalName: 'AdeleV@contoso.com' });
  const renders: Buffer[] = [];
  // What was queued, and whether the original was still in photos-incoming at that moment.
  const queued: Array<QueueSend & { originalStillIncoming: boolean }> = [];
  const send = (sends: QueueSend[]) => {
    const incoming = store.container(containers.incoming).size > 0;
    queued.push(...sends.map((s) => ({ ...s, originalStillIncoming: incoming })));
    return Promise.resolve();
  };
  const state = new InMemoryPhotoState();
  const ports: IngestPorts = { store, directory, render: renderStandIn(renders), send, state };
  const options: IngestOptions = { maxBytes: 1024, targets: { exchange: true, sharePoint: true }, ...overrides };
  const drop = (name: string, data: Buffer | string, metadata: Record<string, string> = {}) => {
    const blob = store.put(containers.incoming, name, Buffer.from(data), metadata);
    return { blobName: name, bytes: blob.data, etag: blob.etag, correlationId: `inv-${name}` };
  };
  return { store, directory, renders, ports, options, drop, queued, state };
}

describe('ingestPhoto', () => {
  it('stores the renditions, archives the original by date and returns one message per target', async () => {
    const { store, ports, options, drop } = setup();
    const request = drop('AdeleV@contoso.com.jpg', 'jpeg bytes', { source: 'hr' });
    const outcome = await ingestPhoto(request, ports, options);

    const hash = createHash('sha256').update('jpeg bytes').digest('hex');
    expect(outcome).toMatchObject({
      kind: 'accepted',
      contentHash: hash,
      archivedTo: 'photos-archive/2026/03/14/AdeleV@contoso.com.jpg',
    });
    expect(store.container(containers.incoming).size).toBe(0);
    const archived = store.container(containers.archive).get('2026/03/14/AdeleV@contoso.com.jpg');
    expect(archived?.metadata).toEqual({
      source: 'hr',
      userid: adeleId,
      contenthash: hash,
      correlationid: 'inv-AdeleV@contoso.com.jpg',
      receivedat: '2026-03-14T09:26:53.000Z',
    });
    expect([...store.container(containers.processed).keys()].sort()).toEqual(
      ['L', 'M', 'S', 'exchange'].map((f) => `${adeleId}/${hash}/${f}.jpg`),
    );
    if (outcome.kind !== 'accepted') throw new Error('not accepted');
    const { exchange, sharePoint } = outcome.messages;
    expect(exchange?.exchangePhotoWrite).toEqual({
      schema: EXCHANGE_WRITE_SCHEMA,
      correlationId: 'inv-AdeleV@contoso.com.jpg',
      owner: { userId: adeleId, userPrincipalName: 'AdeleV@contoso.com' },
      contentHash: hash,
      origin: 'hr-upload',
      receivedAt: '2026-03-14T09:26:53.000Z',
      attempt: 0,
      photo: { blobName: `${adeleId}/${hash}/exchange.jpg`, width: 648, height: 648, bytes: 648 * 3 },
    });
    expect(sharePoint?.sharePointPhotoWrite.schema).toBe(SHAREPOINT_WRITE_SCHEMA);
    expect(sharePoint?.sharePointPhotoWrite.thumbnails.medium).toEqual({
      blobName: `${adeleId}/${hash}/M.jpg`,
      width: 72,
      height: 72,
      bytes: 216,
    });
    expect(JSON.stringify(outcome.messages).length).toBeLessThan(64 * 1024);
  });

  it('queues the write messages before the original leaves photos-incoming (act, record, then acknowledge)', async () => {
    const { store, ports, options, drop, queued } = setup();
    const outcome = await ingestPhoto(drop('AdeleV@contoso.com.jpg', 'jpeg bytes'), ports, options);
    if (outcome.kind !== 'accepted') throw new Error('not accepted');
    expect(queued).toEqual([
      { queue: 'exchangePhotoWrites', message: outcome.messages.exchange, originalStillIncoming: true },
      { queue: 'sharePointPhotoWrites', message: outcome.messages.sharePoint, originalStillIncoming: true },
    ]);
    expect(store.container(containers.incoming).size).toBe(0);
  });

  it('leaves the original where it was when the messages cannot be queued, for the host to retry', async () => {
    const { store, ports, options, drop } = setup();
    const failing = { ...ports, send: () => Promise.reject(new Error('queue unavailable')) };
    await expect(ingestPhoto(drop('AdeleV@contoso.com.jpg', 'x'), failing, options)).rejects.toThrow('unavailable');
    expect(store.container(containers.incoming).size).toBe(1);
    expect(store.container(containers.archive).size).toBe(0);
  });

  it('queues nothing for a target switched off in SYNC_TARGETS', async () => {
    const { ports, options, drop } = setup({ targets: { exchange: false, sharePoint: true } });
    const outcome = await ingestPhoto(drop('AdeleV@contoso.com.jpg', 'x'), ports, options);
    expect(outcome.kind === 'accepted' && Object.keys(outcome.messages)).toEqual(['sharePoint']);
  });

  it('rejects an unknown user with a readable reason and writes no rendition', async () => {
    const { store, ports, options, drop } = setup();
    const outcome = await ingestPhoto(
      drop('nobody@contoso.com.jpg', 'x', { upn: 'nobody@contoso.com' }),
      ports,
      options,
    );
    expect(outcome).toMatchObject({
      kind: 'rejected',
      code: 'unknown-user',
      rejectedTo: 'photos-rejected/nobody@contoso.com.jpg',
    });
    expect(store.errorJson('nobody@contoso.com.jpg')).toEqual({
      code: 'unknown-user',
      message: expect.stringContaining('nobody@contoso.com') as unknown,
      details: expect.objectContaining({ hints: expect.any(Array) as unknown }) as unknown,
      correlationId: 'inv-nobody@contoso.com.jpg',
      receivedAt: '2026-03-14T09:26:53.000Z',
    });
    expect(store.container(containers.rejected).get('nobody@contoso.com.jpg')?.metadata).toEqual({
      upn: 'nobody@contoso.com',
      rejectioncode: 'unknown-user',
    });
    expect(store.container(containers.processed).size).toBe(0);
    expect(store.container(containers.incoming).size).toBe(0);
  });

  it('names the unknown user, not the unreadable image, when a drop has both faults', async () => {
    const { ports, options, drop } = setup();
    const outcome = await ingestPhoto(drop('nobody@contoso.com.jpg', '<svg/>'), ports, options);
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'unknown-user' });
  });

  it('looks up the owner while the renditions render, and times each stage', async () => {
    const { ports, options, drop } = setup();
    let clock = 0;
    const order: string[] = [];
    let releaseLookup: () => void = () => undefined;
    const lookupHeld = new Promise<void>((resolve) => (releaseLookup = resolve));
    const { directory } = ports;
    const timed: IngestPorts = {
      ...ports,
      directory: {
        findUserById: (id) => directory.findUserById(id),
        findUsersByEmployeeId: (employeeId) => directory.findUsersByEmployeeId(employeeId),
        findUserByPrincipalName: async (upn) => {
          order.push('lookup started');
          await lookupHeld;
          clock += 30;
          return directory.findUserByPrincipalName(upn);
        },
      },
      render: async (bytes) => {
        order.push('render started');
        clock += 50;
        const rendered = await ports.render(bytes);
        releaseLookup();
        return rendered;
      },
    };
    const outcome = await ingestPhoto(drop('AdeleV@contoso.com.jpg', 'jpeg bytes'), timed, {
      ...options,
      now: () => clock,
    });
    // The lookup answers only once the render is done: run one after the other, this ingest would never end.
    expect([...order].sort()).toEqual(['lookup started', 'render started']);
    expect(outcome).toMatchObject({ kind: 'accepted', stagesMs: { render: 50, resolve: 80 } });
  });

  it('rejects an oversized or empty file before anything decodes it', async () => {
    const { store, renders, ports, options, drop } = setup();
    const big = await ingestPhoto(drop('AdeleV@contoso.com.jpg', Buffer.alloc(1025)), ports, options);
    const empty = await ingestPhoto(drop('empty.jpg', ''), ports, options);
    expect([big.kind === 'rejected' && big.code, empty.kind === 'rejected' && empty.code]).toEqual([
      'too-many-bytes',
      'empty-file',
    ]);
    expect(store.errorJson('AdeleV@contoso.com.jpg').details).toEqual({ bytes: 1025, maxBytes: 1024 });
    expect(renders).toHaveLength(0);
  });

  it('rejects a member of the protected-accounts group with a readable reason, storing and queueing nothing of theirs', async () => {
    const { store, ports, options, drop, queued, directory } = setup();
    const ceoId = '0c1d2e3f-4a5b-4c6d-8e7f-901234567890';
    directory.add({ id: ceoId, userPrincipalName: 'ceo@contoso.com' });
    const protectedIds = new Set([ceoId]);
    const guarded = {
      ...ports,
      protectedAccounts: { isProtected: (id: string) => Promise.resolve(protectedIds.has(id)) },
    };
    const ceo = await ingestPhoto(drop('ceo@contoso.com.jpg', 'ceo bytes'), guarded, options);
    const adele = await ingestPhoto(drop('AdeleV@contoso.com.jpg', 'adele bytes'), guarded, options);
    expect(ceo).toMatchObject({ kind: 'rejected', code: 'protected-account' });
    expect(store.errorJson('ceo@contoso.com.jpg')).toMatchObject({
      code: 'protected-account',
      message: expect.stringContaining('protected account') as unknown,
      details: { userId: ceoId },
    });
    expect(adele.kind).toBe('accepted');
    // The owner is resolved while the image renders, so the CEO's bytes may have been decoded; nothing of them is kept.
    const processed = [...store.container(containers.processed).keys()];
    expect(processed).toHaveLength(4);
    expect(processed.every((name) => name.includes(adeleId))).toBe(true);
    expect(queued.every((s) => JSON.stringify(s.message).includes(adeleId))).toBe(true);
  });

  it('passes a rejection from the renderer on to photos-rejected', async () => {
    const { store, ports, options, drop } = setup();
    const outcome = await ingestPhoto(drop('AdeleV@contoso.com.jpg', '<svg/>'), ports, options);
    expect(outcome.kind === 'rejected' && outcome.code).toBe('vector-image');
    expect(store.errorJson('AdeleV@contoso.com.jpg').code).toBe('vector-image');
  });

  it('does nothing for a second delivery of a version it already archived', async () => {
    const { store, ports, options, drop } = setup();
    const request = drop('AdeleV@contoso.com.jpg', 'photo');
    expect((await ingestPhoto(request, ports, options)).kind).toBe('accepted');
    const archiveBefore = [...store.container(containers.archive).entries()];
    expect(await ingestPhoto(request, ports, options)).toEqual({ kind: 'already-handled' });
    expect([...store.container(containers.archive).entries()]).toEqual(archiveBefore);
  });

  it('leaves a newer upload under the same name to its own delivery', async () => {
    const { store, ports, options, drop } = setup();
    const stale = drop('AdeleV@contoso.com.jpg', 'first');
    const newer = drop('AdeleV@contoso.com.jpg', 'second');
    expect(await ingestPhoto(stale, ports, options)).toEqual({ kind: 'already-handled' });
    expect(store.container(containers.incoming).get('AdeleV@contoso.com.jpg')?.etag).toBe(newer.etag);
  });

  it('after a crash between archiving and deleting, the retry completes the move and queues the messages again', async () => {
    const { store, ports, options, drop, queued } = setup();
    const request = drop('AdeleV@contoso.com.jpg', 'photo');
    store.failNext('delete');
    await expect(ingestPhoto(request, ports, options)).rejects.toMatchObject({ retryable: true });
    expect(store.container(containers.incoming).has('AdeleV@contoso.com.jpg')).toBe(true);

    const retry = await ingestPhoto(request, ports, options);
    expect(retry.kind === 'accepted' && Object.keys(retry.messages)).toEqual(['exchange', 'sharePoint']);
    expect(store.container(containers.incoming).size).toBe(0);
    expect(store.container(containers.archive).size).toBe(1);
    expect(store.container(containers.processed).size).toBe(4);
    // Queued by both runs: the writers skip a content hash they have written, so the repeat is not a second write.
    expect(queued.map((send) => send.queue)).toEqual([
      'exchangePhotoWrites',
      'sharePointPhotoWrites',
      'exchangePhotoWrites',
      'sharePointPhotoWrites',
    ]);
  });

  describe('racing a removal of the person', () => {
    const adeleCopies = (store: InMemoryIngestStore) => [
      ...[...store.container(containers.processed).keys()].filter((name) => name.startsWith(`${adeleId}/`)),
      ...[...store.container(containers.archive).values()].filter((b) => b.metadata.userid === adeleId),
    ];

    it('deletes what it stored when a removal ran its deletes while the photo was being ingested', async () => {
      const { store, ports, options, drop, state } = setup();
      const request = drop('AdeleV@contoso.com.jpg', 'photo before the removal');
      // The interleaving the removal consumer can produce: the mark and every delete land while ingest is between
      // storing its renditions and archiving, so the removal's deletes found nothing to delete yet.
      const queue = ports.send.bind(ports);
      ports.send = async (sends) => {
        await queue(sends);
        await markRemoved(state, adeleId, new Date(store.now.getTime() + 2_000).toISOString());
        const removalFound = adeleCopies(store);
        for (const name of [...store.container(containers.processed).keys()]) {
          if (name.startsWith(`${adeleId}/`)) store.container(containers.processed).delete(name);
        }
        expect(removalFound).toHaveLength(4); // the renditions: the archive copy did not exist yet
      };
      const outcome = await ingestPhoto(request, ports, options);
      expect(outcome).toMatchObject({ kind: 'removed', owner: { userId: adeleId } });
      expect(adeleCopies(store)).toEqual([]);
      expect(store.container(containers.incoming).size).toBe(0);
    });

    it('after a crash between deleting its copies and acknowledging, the retry ends the same way', async () => {
      const { store, ports, options, drop, state } = setup();
      const request = drop('AdeleV@contoso.com.jpg', 'photo before the removal');
      await markRemoved(state, adeleId, new Date(store.now.getTime() + 1).toISOString());
      store.failNext('delete');
      await expect(ingestPhoto(request, ports, options)).rejects.toMatchObject({ retryable: true });
      expect(adeleCopies(store)).toEqual([]);
      expect(store.container(containers.incoming).size).toBe(1);
      store.failNext('deleteStoredCopies');
      await expect(ingestPhoto(request, ports, options)).rejects.toMatchObject({ retryable: true });
      // Not acknowledged: the original is still there for the next try, which finishes the job.
      expect(store.container(containers.incoming).size).toBe(1);
      expect(await ingestPhoto(request, ports, options)).toMatchObject({ kind: 'removed' });
      expect(adeleCopies(store)).toEqual([]);
      expect(store.container(containers.incoming).size).toBe(0);
    });

    it('keeps and queues a photo received after the removal was asked for', async () => {
      const { store, ports, options, drop, state, queued } = setup();
      await markRemoved(state, adeleId, new Date(store.now.getTime() - 1).toISOString());
      const outcome = await ingestPhoto(drop('AdeleV@contoso.com.jpg', 'photo after the removal'), ports, options);
      expect(outcome.kind).toBe('accepted');
      expect(adeleCopies(store)).toHaveLength(5);
      expect(queued).toHaveLength(2);
    });
  });

  it('throws a directory outage so the host retries, leaving the photo where it was', async () => {
    const { store, directory, ports, options, drop } = setup();
    directory.failuresToInject = 1;
    await expect(ingestPhoto(drop('AdeleV@contoso.com.jpg', 'x'), ports, options)).rejects.toThrow('unavailable');
    expect(store.container(containers.incoming).size).toBe(1);
    expect(store.container(containers.rejected).size).toBe(0);
  });

  it('keeps renditions of an identical re-drop as they are and queues the write again for the writers to skip', async () => {
    const { store, ports, options, drop } = setup();
    await ingestPhoto(drop('AdeleV@contoso.com.jpg', 'same'), ports, options);
    const before = new Map([...store.container(containers.processed)].map(([name, blob]) => [name, blob.etag]));
    const again = await ingestPhoto(drop('AdeleV@contoso.com.jpg', 'same'), ports, options);
    expect(again.kind).toBe('accepted');
    expect(new Map([...store.container(containers.processed)].map(([name, blob]) => [name, blob.etag]))).toEqual(
      before,
    );
  });

  it('stores a manifest where later photos find it, and resolves a photo through it', async () => {
    const { store, ports, options, drop } = setup();
    const csv = await ingestPhoto(
      drop('users.csv', 'UserPrincipalName,FileName\nadelev@contoso.com,IMG_0042.jpg\n'),
      ports,
      options,
    );
    expect(csv).toEqual({ kind: 'manifest-stored', storedTo: 'photos-archive/manifests/users.csv', rows: 1 });
    expect(store.container(containers.incoming).size).toBe(0);

    const photo = await ingestPhoto(drop('IMG_0042.jpg', 'photo'), ports, options);
    expect(photo).toMatchObject({ kind: 'accepted', resolvedBy: 'manifest:users.csv', owner: { userId: adeleId } });
  });

  it('does not trust a manifest older than its lifetime', async () => {
    const { store, ports, options, drop } = setup({ manifestLifetimeMs: 60_000 });
    await ingestPhoto(
      drop('users.csv', 'UserPrincipalName,FileName\nadelev@contoso.com,IMG_0042.jpg\n'),
      ports,
      options,
    );
    store.now = new Date(store.now.getTime() + 61_000);
    const photo = await ingestPhoto(drop('IMG_0042.jpg', 'photo'), ports, options);
    expect(photo.kind === 'rejected' && photo.code).toBe('no-user-hint');
  });

  it('rejects a photo that arrives before its manifest, and an unreadable manifest, each with its own code', async () => {
    const { store, ports, options, drop } = setup();
    const early = await ingestPhoto(drop('IMG_0042.jpg', 'photo'), ports, options);
    const badCsv = await ingestPhoto(
      drop('users.csv', 'Email,Picture\nadelev@contoso.com,IMG_0042.jpg\n'),
      ports,
      options,
    );
    expect([early.kind === 'rejected' && early.code, badCsv.kind === 'rejected' && badCsv.code]).toEqual([
      'no-user-hint',
      'invalid-manifest',
    ]);
    expect(store.errorJson('IMG_0042.jpg').message).toContain('manifest');
  });

  it('with the real renderer, stores renditions of the configured sizes and rejects a truncated JPEG', async () => {
    const { store, ports, drop } = setup();
    const config = loadIngestConfig({ SHAREPOINT_THUMBNAIL_SIZES: '32,64,128', EXCHANGE_PHOTO_SIZE: '256' });
    const real: IngestPorts = { ...ports, render: (bytes) => renderRenditions(bytes, config) };
    const options: IngestOptions = { maxBytes: config.maxBytes, targets: { exchange: true, sharePoint: true } };
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#8a5' } })
      .jpeg()
      .toBuffer();

    const accepted = await ingestPhoto(drop('AdeleV@contoso.com.jpg', jpeg), real, options);
    if (accepted.kind !== 'accepted') throw new Error(`expected acceptance, got ${JSON.stringify(accepted)}`);
    const thumbnails = accepted.messages.sharePoint?.sharePointPhotoWrite.thumbnails;
    expect([thumbnails?.small.width, thumbnails?.medium.width, thumbnails?.large.width]).toEqual([32, 64, 128]);
    const exchange = store
      .container(containers.processed)
      .get(accepted.messages.exchange?.exchangePhotoWrite.photo.blobName ?? '');
    expect(await sharp(exchange?.data).metadata()).toMatchObject({ format: 'jpeg', width: 256, height: 256 });

    const truncated = await ingestPhoto(
      drop('AdeleV@contoso.com.jpg', jpeg.subarray(0, jpeg.length >> 1)),
      real,
      options,
    );
    expect(truncated.kind === 'rejected' && truncated.code).toBe('corrupt-image');
  });
});
