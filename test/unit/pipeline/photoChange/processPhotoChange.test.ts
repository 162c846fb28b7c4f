import { createHash } from 'node:crypto';
import type { QueueSend } from '../../../../src/pipeline/messages/Decision';
import {
  PHOTO_CHANGE_SCHEMA,
  type PhotoChange,
  type PhotoOwner,
} from '../../../../src/pipeline/messages/messageContracts';
import type { RenditionRef } from '../../../../src/pipeline/messages/renditions';
import {
  processPhotoChange,
  type ProcessPhotoChangeOptions,
} from '../../../../src/pipeline/photoChange/processPhotoChange';
import type { PhotoChangeState } from '../../../../src/pipeline/photoChange/PhotoChangePorts';
import { PhotoRejectedError } from '../../../../src/pipeline/ingest/PhotoRejectedError';
import { NO_PHOTO_ETAG } from '../../../../src/pipeline/photoChange/decidePhotoChange';

const USER = { id: '11111111-1111-4111-8111-111111111111', userPrincipalName: 'adele.vance@contoso.com' };

function ref(blobName: string, size: number): RenditionRef {
  return { blobName, width: size, height: size, bytes: 100 };
}

interface FakeState {
  /** Our last Exchange write (the writer records it; never changed by processPhotoChange). */
  lastExchangeWrite?: PhotoChangeState['lastExchangeWrite'];
  processedEtag?: string;
  hrPhoto?: PhotoChangeState['hrPhoto'];
  /** An Exchange write holds the person's claim (between its PUT and recording its etag). */
  exchangeWriting?: boolean;
}

const LAG_MS = 120_000;

/**
 * Photo bytes here are `picture:{name}` or `picture:{name}|{encoding}`: a fingerprint sees the picture, not the
 * encoding, as the real one (16×16 pixels of the decoded image) sees through Exchange's re-encoding.
 */
function fakeFingerprint(bytes: Buffer): string {
  const picture = bytes.toString('utf8').split('|')[0] ?? '';
  return createHash('sha256').update(picture).digest().toString('base64');
}

/** A tiny Graph photo store (each put gets a new etag, like Exchange) and a state table. */
function world(options: { authority?: 'user' | 'hr'; state?: FakeState; renderFails?: boolean } = {}) {
  let clock = Date.parse('2026-11-23T10:00:00.000Z');
  /** What each rendition we stored shows. */
  const renditionPictures = new Map<string, Buffer>();
  const photos = new Map<string, { etag: string; bytes: Buffer }>();
  let etagCounter = 0;
  const state = new Map<string, FakeState>([[USER.id, { ...options.state }]]);
  const stored: string[] = [];
  /** What was queued and recorded, in order: `send:{queue}` and `record:{etag}`. */
  const journal: string[] = [];
  const sent: QueueSend[] = [];
  let failNextRecord = false;
  const deps: ProcessPhotoChangeOptions = {
    authority: options.authority ?? 'user',
    sharePointEnabled: true,
    send: (sends) => {
      sent.push(...sends);
      journal.push(...sends.map((send) => `send:${send.queue}`));
      return Promise.resolve();
    },
    photos: {
      getPhotoMetadata: (id) => {
        const p = photos.get(id);
        return Promise.resolve(p ? { mediaEtag: p.etag, width: 96, height: 96 } : undefined);
      },
      getPhotoContent: (id) => Promise.resolve(photos.get(id)?.bytes),
    },
    directory: { findUserById: (id) => Promise.resolve(id === USER.id ? USER : undefined) },
    state: {
      get: (id) => {
        const s = state.get(id) ?? {};
        const seenMediaEtags = [s.processedEtag].filter((e): e is string => e !== undefined);
        return Promise.resolve({
          seenMediaEtags,
          ...(s.hrPhoto ? { hrPhoto: s.hrPhoto } : {}),
          ...(s.lastExchangeWrite ? { lastExchangeWrite: s.lastExchangeWrite } : {}),
          ...(s.exchangeWriting ? { exchangeWriteUnderWay: true } : {}),
        });
      },
      recordMediaEtag: (id, etag) => {
        if (failNextRecord) {
          failNextRecord = false;
          return Promise.reject(new Error('the host died'));
        }
        journal.push(`record:${etag}`);
        state.set(id, { ...state.get(id), processedEtag: etag });
        return Promise.resolve();
      },
      markSharePointRemoved: (_id, at) => {
        journal.push(`sharepoint-removed:${at}`);
        return Promise.resolve();
      },
    },
    fingerprints: {
      ofBytes: (bytes) => Promise.resolve(fakeFingerprint(bytes)),
      ofRendition: (rendition) => {
        const bytes = renditionPictures.get(rendition.blobName);
        return Promise.resolve(bytes && fakeFingerprint(bytes));
      },
    },
    photoReadLagMs: LAG_MS,
    now: () => new Date(clock),
    renditions: {
      renderAndStore: (owner: PhotoOwner, bytes) => {
        if (options.renderFails) return Promise.reject(new PhotoRejectedError('corrupt-image', 'cannot decode'));
        const contentHash = createHash('sha256').update(bytes).digest('hex');
        stored.push(contentHash);
        const base = `${owner.userId}/${contentHash}`;
        const thumbnails = {
          small: ref(`${base}/S.jpg`, 48),
          medium: ref(`${base}/M.jpg`, 72),
          large: ref(`${base}/L.jpg`, 200),
        };
        return Promise.resolve({ contentHash, thumbnails });
      },
    },
  };
  return {
    deps,
    state,
    advance(ms: number) {
      clock += ms;
    },
    /** Our Exchange writer put `picture` (the rendition `rendition`) at the current time. */
    weWroteExchange(rendition: RenditionRef, picture: string) {
      renditionPictures.set(rendition.blobName, Buffer.from(`picture:${picture}`));
      const current = state.get(USER.id) ?? {};
      state.set(USER.id, { ...current, lastExchangeWrite: { rendition, writtenAt: new Date(clock).toISOString() } });
    },
    stored,
    journal,
    sent,
    /** The next etag record fails, as a run cut off between queueing and recording would. */
    cutOffBeforeRecording() {
      failNextRecord = true;
    },
    /** `etag` stands for Graph's content-derived mediaEtag when a test sets the same photo twice. */
    userChangesPhoto(bytes: Buffer, etag = `W/"${++etagCounter}"`) {
      photos.set(USER.id, { etag, bytes });
    },
    userRemovesPhoto() {
      photos.delete(USER.id);
    },
    currentEtag: () => photos.get(USER.id)?.etag,
  };
}

function change(source: PhotoChange['source'] = 'notification'): PhotoChange {
  return {
    schema: PHOTO_CHANGE_SCHEMA,
    userId: USER.id,
    changeType: 'updated',
    receivedAt: '2026-11-23T10:00:00.000Z',
    correlationId: 'corr-1',
    source,
    attempt: 0,
  };
}

describe('processPhotoChange', () => {
  it('renders a photo the user changed and asks for a SharePoint write of its thumbnails', async () => {
    const w = world();
    w.userChangesPhoto(Buffer.from('photo-a'));
    const outcome = await processPhotoChange(change(), w.deps);
    expect(outcome.kind).toBe('propagated');
    if (outcome.kind !== 'propagated') return;
    const write = outcome.sharePointWrite.sharePointPhotoWrite;
    expect(write.owner).toEqual({ userId: USER.id, userPrincipalName: USER.userPrincipalName });
    expect(write.origin).toBe('user-change');
    expect(write.thumbnails.medium.blobName).toBe(`${USER.id}/${outcome.contentHash}/M.jpg`);
    expect(w.state.get(USER.id)?.processedEtag).toBe(w.currentEtag());
  });

  it('queues the SharePoint write before it records the photo as handled', async () => {
    const w = world();
    w.userChangesPhoto(Buffer.from('photo-a'));
    const outcome = await processPhotoChange(change(), w.deps);
    expect(w.journal).toEqual(['send:sharePointPhotoWrites', `record:${w.currentEtag()}`]);
    expect(w.sent.map((s) => s.message)).toEqual([outcome.kind === 'propagated' ? outcome.sharePointWrite : undefined]);
  });

  it('redoes a change whose run stopped after queueing and before recording, rather than losing it', async () => {
    const w = world();
    w.userChangesPhoto(Buffer.from('photo-a'));
    w.cutOffBeforeRecording();
    await expect(processPhotoChange(change(), w.deps)).rejects.toThrow('the host died');
    const retry = await processPhotoChange(change(), w.deps);
    expect(retry.kind).toBe('propagated');
    // Queued twice, the same content hash: the writer skips the second, so no second visible write.
    expect(w.sent.map((s) => s.queue)).toEqual(['sharePointPhotoWrites', 'sharePointPhotoWrites']);
  });

  it('queues nothing for SharePoint when that target is off, and still records the photo', async () => {
    const w = world();
    w.userChangesPhoto(Buffer.from('photo-a'));
    const outcome = await processPhotoChange(change(), { ...w.deps, sharePointEnabled: false });
    expect(outcome.kind).toBe('propagated');
    expect(w.sent).toEqual([]);
    expect(w.state.get(USER.id)?.processedEtag).toBe(w.currentEtag());
  });

  it('defers a change it finds while our own Exchange write has put its photo and not yet recorded the etag', async () => {
    const w = world({ state: { exchangeWriting: true } });
    w.userChangesPhoto(Buffer.from('our-hr-photo'));
    await expect(processPhotoChange(change('reconcile'), w.deps)).resolves.toEqual({
      kind: 'deferred',
      reason: 'exchange-write-under-way',
    });
    expect(w.sent).toEqual([]);
    expect(w.stored).toEqual([]);
    expect(w.state.get(USER.id)?.processedEtag).toBeUndefined();
  });

  it('still skips a photo it knows while an Exchange write is under way', async () => {
    const w = world({ state: { exchangeWriting: true } });
    w.userChangesPhoto(Buffer.from('photo-a'), 'W/"known"');
    w.state.set(USER.id, { exchangeWriting: true, processedEtag: 'W/"known"' });
    await expect(processPhotoChange(change(), w.deps)).resolves.toEqual({ kind: 'skipped', reason: 'already-seen' });
  });

  it('handles a duplicate notification once', async () => {
    const w = world();
    w.userChangesPhoto(Buffer.from('photo-a'));
    await processPhotoChange(change(), w.deps);
    expect(await processPhotoChange(change(), w.deps)).toEqual({ kind: 'skipped', reason: 'already-seen' });
    expect(w.stored).toHaveLength(1);
  });

  it('converges on the newest photo when notifications arrive out of order', async () => {
    const w = world();
    w.userChangesPhoto(Buffer.from('photo-a'));
    w.userChangesPhoto(Buffer.from('photo-b'));
    // Both notifications (for a then b) are processed after b is current: b is rendered once, never a.
    await processPhotoChange(change(), w.deps);
    await processPhotoChange(change(), w.deps);
    expect(w.stored).toEqual([createHash('sha256').update('photo-b').digest('hex')]);
  });

  it('looks again after the read-after-write window at a change seen right after our own Exchange write', async () => {
    const w = world();
    const hr = ref(`${USER.id}/hr-hash/exchange.jpg`, 648);
    w.userChangesPhoto(Buffer.from('picture:before'));
    w.weWroteExchange(hr, 'hr');
    w.advance(30_000);
    // Graph still serves the photo from before our write, under an etag we never handled.
    expect(await processPhotoChange(change('reconcile'), w.deps)).toEqual({
      kind: 'deferred',
      reason: 'read-after-write-window',
      delayMs: LAG_MS - 30_000,
    });
    expect(w.sent).toEqual([]);
  });

  it('recognises our own write by what it looks like, under a new etag and re-encoded, and records that etag', async () => {
    const w = world();
    const hr = ref(`${USER.id}/hr-hash/exchange.jpg`, 648);
    w.weWroteExchange(hr, 'hr');
    w.userChangesPhoto(Buffer.from('picture:hr|exchange-q82'), 'W/"new-on-every-write"');
    w.advance(LAG_MS);
    expect(await processPhotoChange(change(), w.deps)).toEqual({ kind: 'skipped', reason: 'own-write' });
    expect(w.stored).toHaveLength(0);
    expect(w.state.get(USER.id)?.processedEtag).toBe('W/"new-on-every-write"');
    expect(await processPhotoChange(change(), w.deps)).toEqual({ kind: 'skipped', reason: 'already-seen' });
  });

  it('propagates a photo that does not look like our last write, even though we wrote one', async () => {
    const w = world();
    w.weWroteExchange(ref(`${USER.id}/hr-hash/exchange.jpg`, 648), 'hr');
    w.advance(LAG_MS);
    w.userChangesPhoto(Buffer.from('picture:holiday'));
    expect((await processPhotoChange(change(), w.deps)).kind).toBe('propagated');
  });

  it('labels writes found by the reconcile timer as such', async () => {
    const w = world();
    w.userChangesPhoto(Buffer.from('photo-a'));
    const outcome = await processPhotoChange(change('reconcile'), w.deps);
    expect(outcome.kind === 'propagated' && outcome.sharePointWrite.sharePointPhotoWrite.origin).toBe('reconcile');
  });

  it('with HR as the authority, puts the HR photo back in Exchange with a forced write instead of propagating', async () => {
    const hrPhoto = { contentHash: 'hr-hash', exchange: ref(`${USER.id}/hr-hash/exchange.jpg`, 648) };
    const w = world({ authority: 'hr', state: { hrPhoto } });
    w.weWroteExchange(hrPhoto.exchange, 'hr');
    w.advance(LAG_MS);
    w.userChangesPhoto(Buffer.from('picture:selfie'));
    const outcome = await processPhotoChange(change(), w.deps);
    expect(outcome.kind).toBe('restored-hr');
    if (outcome.kind !== 'restored-hr') return;
    expect(outcome.exchangeWrite.exchangePhotoWrite).toMatchObject({
      contentHash: 'hr-hash',
      photo: hrPhoto.exchange,
      force: true,
    });
    expect(w.stored).toHaveLength(0);
    // The forced write lands; for a while Graph still serves the selfie: looked at again later, not restored again.
    w.weWroteExchange(hrPhoto.exchange, 'hr');
    w.advance(10_000);
    expect((await processPhotoChange(change(), w.deps)).kind).toBe('deferred');
    // Then Graph serves Exchange's copy of the HR photo, under a new etag: our own write.
    w.userChangesPhoto(Buffer.from('picture:hr|exchange-q82'));
    w.advance(LAG_MS);
    expect(await processPhotoChange(change(), w.deps)).toEqual({ kind: 'skipped', reason: 'own-write' });
  });

  it('with HR as the authority, puts the HR photo back again when the person sets the same photo a second time', async () => {
    const hrPhoto = { contentHash: 'hr-hash', exchange: ref(`${USER.id}/hr-hash/exchange.jpg`, 648) };
    const w = world({ authority: 'hr', state: { hrPhoto } });
    w.weWroteExchange(hrPhoto.exchange, 'hr');
    w.advance(LAG_MS);
    w.userChangesPhoto(Buffer.from('picture:selfie'), 'W/"selfie"');
    expect((await processPhotoChange(change(), w.deps)).kind).toBe('restored-hr');
    w.weWroteExchange(hrPhoto.exchange, 'hr');
    w.userChangesPhoto(Buffer.from('picture:hr|q82'), 'W/"hr-write"');
    w.advance(LAG_MS);
    expect((await processPhotoChange(change(), w.deps)).kind).toBe('skipped');
    // Same bytes, so the same content-derived etag as the photo replaced the first time.
    w.userChangesPhoto(Buffer.from('picture:selfie'), 'W/"selfie"');
    const again = await processPhotoChange(change(), w.deps);
    expect(again).toMatchObject({ kind: 'restored-hr', replacedEtag: 'W/"selfie"' });
  });

  it("neither copies nor renders a protected person's own photo change, nor resets their SharePoint picture", async () => {
    const w = world({ state: { processedEtag: 'W/"old"' } });
    const protectedAccounts = { isProtected: (id: string) => Promise.resolve(id === USER.id) };
    const placeholder = () => Promise.reject(new Error('must not be called'));
    w.userChangesPhoto(Buffer.from('executive-photo'));
    const deps = { ...w.deps, protectedAccounts, placeholder };
    expect(await processPhotoChange(change('reconcile'), deps)).toEqual({
      kind: 'skipped',
      reason: 'protected-account',
    });
    expect(w.stored).toEqual([]);
    expect(w.sent).toEqual([]);
    // Handled: the next reconcile pass does not bring the same photo back.
    expect(w.state.get(USER.id)?.processedEtag).toBe(w.currentEtag());
    expect(await processPhotoChange(change('reconcile'), deps)).toEqual({ kind: 'skipped', reason: 'already-seen' });
    w.userRemovesPhoto();
    expect(await processPhotoChange(change(), deps)).toEqual({ kind: 'skipped', reason: 'protected-account' });
    expect(w.journal).not.toContainEqual(expect.stringMatching(/^sharepoint-removed/));
    // Someone else's change still goes through the same options.
    const notProtected = { isProtected: () => Promise.resolve(false) };
    const other = world();
    other.userChangesPhoto(Buffer.from('photo-a'));
    expect((await processPhotoChange(change(), { ...other.deps, protectedAccounts: notProtected })).kind).toBe(
      'propagated',
    );
  });

  it('leaves SharePoint as it is when the user removed their photo, and reports the removal once', async () => {
    const w = world({ state: { processedEtag: 'W/"old"' } });
    w.userRemovesPhoto();
    expect(await processPhotoChange(change(), w.deps)).toEqual({ kind: 'removed-left-as-is' });
    expect(w.state.get(USER.id)?.processedEtag).toBe(NO_PHOTO_ETAG);
    expect(await processPhotoChange(change(), w.deps)).toEqual({ kind: 'skipped', reason: 'removal-already-seen' });
  });

  it('puts SharePoint back to its placeholder when the person removed a photo we saw, once', async () => {
    const w = world({ state: { processedEtag: 'W/"old"' } });
    const resets: string[] = [];
    const deps = {
      ...w.deps,
      placeholder: (upn: string) => {
        w.journal.push(`placeholder:${upn}`);
        resets.push(upn);
        return Promise.resolve({ thumbnailsDeleted: 3, profile: 'reset' as const });
      },
    };
    w.userRemovesPhoto();
    expect(await processPhotoChange(change('reconcile'), deps)).toEqual({
      kind: 'removed-placeholder',
      thumbnailsDeleted: 3,
      profile: 'reset',
    });
    // Marked first (a write queued before cannot land after), then reset, then recorded.
    expect(w.journal).toEqual([
      'sharepoint-removed:2026-11-23T10:00:00.000Z',
      `placeholder:${USER.userPrincipalName}`,
      `record:${NO_PHOTO_ETAG}`,
    ]);
    expect(await processPhotoChange(change(), deps)).toEqual({ kind: 'skipped', reason: 'removal-already-seen' });
    expect(resets).toHaveLength(1);
  });

  it('does not reset SharePoint for someone we never saw with a photo, nor with the SharePoint target off', async () => {
    const placeholder = () => Promise.reject(new Error('must not be called'));
    const never = world();
    never.userRemovesPhoto();
    expect(await processPhotoChange(change(), { ...never.deps, placeholder })).toEqual({ kind: 'removed-left-as-is' });
    const off = world({ state: { processedEtag: 'W/"old"' } });
    off.userRemovesPhoto();
    expect(await processPhotoChange(change(), { ...off.deps, placeholder, sharePointEnabled: false })).toEqual({
      kind: 'removed-left-as-is',
    });
  });

  it('with HR as the authority, puts the HR photo back instead of the placeholder', async () => {
    const hrPhoto = { contentHash: 'hr-hash', exchange: ref(`${USER.id}/hr-hash/exchange.jpg`, 648) };
    const w = world({ authority: 'hr', state: { hrPhoto, processedEtag: 'W/"hr"' } });
    w.userRemovesPhoto();
    const placeholder = () => Promise.reject(new Error('must not be called'));
    expect((await processPhotoChange(change(), { ...w.deps, placeholder })).kind).toBe('restored-hr');
  });

  it('records an unusable photo as seen so it is not fetched again every pass', async () => {
    const w = world({ renderFails: true });
    w.userChangesPhoto(Buffer.from('garbage'));
    expect(await processPhotoChange(change(), w.deps)).toMatchObject({ kind: 'rejected', code: 'corrupt-image' });
    expect((await processPhotoChange(change(), w.deps)).kind).toBe('skipped');
  });

  it('skips users the directory no longer has', async () => {
    const w = world();
    w.userChangesPhoto(Buffer.from('photo-a'));
    const outcome = await processPhotoChange({ ...change(), userId: 'deleted-user' }, w.deps);
    expect(outcome).toEqual({ kind: 'skipped', reason: 'unknown-user' });
  });
});
