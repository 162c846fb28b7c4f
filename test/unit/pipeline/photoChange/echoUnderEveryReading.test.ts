// Our own Exchange write never comes back as a change, under every reading of Graph the emulator offers (issue 11):
// etags new on every write or following the content, reads that lag behind writes or not, photos re-encoded or
// stored as written. processPhotoChange runs against the emulator's own photo store (Tenant, storeExchangePhoto:
// the same code the HTTPS emulator serves) on a virtual clock, checked every 30 s as reconcile or notifications
// would; writes go through a stand-in for the writers that does what they do to Graph and to PhotoSyncState.

import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { Tenant, type MediaEtagRule, type TenantUser } from '../../../../dev/m365-emulator/Tenant';
import { storeExchangePhoto } from '../../../../dev/m365-emulator/storeExchangePhoto';
import { photoFingerprint } from '../../../../src/imaging/photoFingerprint';
import { fingerprintsMatch } from '../../../../src/pipeline/photoChange/photoFingerprintMatch';
import { PHOTO_CHANGE_SCHEMA } from '../../../../src/pipeline/messages/messageContracts';
import type { RenditionRef } from '../../../../src/pipeline/messages/renditions';
import type { HrPhoto } from '../../../../src/pipeline/photoChange/PhotoChangePorts';
import { processPhotoChange, type PhotoChangeOutcome } from '../../../../src/pipeline/photoChange/processPhotoChange';

const WINDOW_MS = 120_000; // PHOTO_READ_LAG_MS default
const TICK_MS = 30_000;

interface Reading {
  lagMs: number;
  mediaEtag: MediaEtagRule;
  reencode: boolean;
}

const readings: Reading[] = [];
for (const lagMs of [0, 60_000, WINDOW_MS])
  for (const mediaEtag of ['everyWrite', 'withContent'] as const)
    for (const reencode of [true, false]) readings.push({ lagMs, mediaEtag, reencode });

const name = (r: Reading) =>
  `lag ${r.lagMs / 1000} s, etag ${r.mediaEtag}, ${r.reencode ? 're-encoded' : 'as written'}`;

function picture(background: string): Promise<Buffer> {
  return sharp({ create: { width: 648, height: 648, channels: 3, background } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

function world(reading: Reading, authority: 'user' | 'hr') {
  let clock = Date.parse('2026-12-01T09:00:00Z');
  const tenant = new Tenant('tenant', 'contoso.onmicrosoft.com', 'contoso.com', () => new Date(clock), {
    notifyOnPhotoChange: false,
    photoReadLagMs: reading.lagMs,
    mediaEtag: reading.mediaEtag,
    reencodePhotos: reading.reencode,
    mailboxlessPhotoWrite: 'bareNotFound',
  });
  const user: TenantUser = tenant.addUser({ displayName: 'Adele Vance', userPrincipalName: 'adele.vance@contoso.com' });
  const renditions = new Map<string, Buffer>();
  const seen: string[] = [];
  let lastExchangeWrite: { rendition: RenditionRef; writtenAt: string } | undefined;
  let hrPhoto: HrPhoto | undefined;
  const counts = { exchangePuts: 0, sharePointWrites: 0 };
  const outcomes: PhotoChangeOutcome['kind'][] = [];

  /** The Exchange writer: PUT the 648 rendition, record the write (its etag read-back is not trusted). */
  const exchangeWrite = async (rendition: RenditionRef) => {
    const bytes = renditions.get(rendition.blobName) ?? Buffer.alloc(0);
    await storeExchangePhoto(tenant, user, { bytes, width: 648, height: 648, contentType: 'image/jpeg' });
    counts.exchangePuts += 1;
    lastExchangeWrite = { rendition, writtenAt: new Date(clock).toISOString() };
  };

  const check = async () => {
    const outcome = await processPhotoChange(
      {
        schema: PHOTO_CHANGE_SCHEMA,
        userId: user.id,
        changeType: 'reconciled',
        receivedAt: new Date(clock).toISOString(),
        correlationId: 'corr',
        source: 'reconcile',
        attempt: 0,
      },
      {
        authority,
        sharePointEnabled: true,
        photoReadLagMs: WINDOW_MS,
        now: () => new Date(clock),
        photos: {
          getPhotoMetadata: (id) => {
            const p = tenant.readPhoto(tenant.findUser(id) as TenantUser);
            return Promise.resolve(p && { mediaEtag: p.mediaEtag, width: p.width, height: p.height });
          },
          getPhotoContent: (id) => Promise.resolve(tenant.readPhoto(tenant.findUser(id) as TenantUser)?.bytes),
        },
        directory: { findUserById: (id) => Promise.resolve(id === user.id ? user : undefined) },
        state: {
          get: () =>
            Promise.resolve({
              seenMediaEtags: [...seen],
              ...(hrPhoto ? { hrPhoto } : {}),
              ...(lastExchangeWrite ? { lastExchangeWrite } : {}),
            }),
          recordMediaEtag: (_id, etag) => {
            seen.splice(0, seen.length, etag);
            return Promise.resolve();
          },
          markSharePointRemoved: () => Promise.resolve(),
        },
        fingerprints: {
          ofBytes: (bytes) => photoFingerprint(bytes),
          ofRendition: (r) => {
            const bytes = renditions.get(r.blobName);
            return bytes ? photoFingerprint(bytes) : Promise.resolve(undefined);
          },
        },
        renditions: {
          renderAndStore: (_owner, bytes) => {
            const contentHash = createHash('sha256').update(bytes).digest('hex');
            const r = (role: string): RenditionRef => ({
              blobName: `${contentHash}/${role}`,
              width: 1,
              height: 1,
              bytes: 1,
            });
            return Promise.resolve({ contentHash, thumbnails: { small: r('S'), medium: r('M'), large: r('L') } });
          },
        },
        send: (sends) => {
          counts.sharePointWrites += sends.filter((s) => s.queue === 'sharePointPhotoWrites').length;
          return Promise.resolve();
        },
      },
    );
    outcomes.push(outcome.kind);
    if (outcome.kind === 'restored-hr') await exchangeWrite(outcome.exchangeWrite.exchangePhotoWrite.photo);
  };

  return {
    tenant,
    user,
    counts,
    outcomes,
    /** HR's photo, rendered to 648 and stored as ingest does. */
    async hrUpload(background: string, options: { authority: boolean }) {
      const bytes = await picture(background);
      const rendition: RenditionRef = { blobName: `hr-${background}/exchange.jpg`, width: 648, height: 648, bytes: 1 };
      renditions.set(rendition.blobName, bytes);
      if (options.authority) hrPhoto = { contentHash: background, exchange: rendition };
      await exchangeWrite(rendition);
    },
    async personSets(background: string) {
      const bytes = await picture(background);
      await storeExchangePhoto(tenant, user, { bytes, width: 648, height: 648, contentType: 'image/jpeg' });
    },
    /** Checks every 30 s for `ms`, as reconcile (or notifications) would. */
    async run(ms: number) {
      for (let t = 0; t < ms; t += TICK_MS) {
        await check();
        clock += TICK_MS;
      }
    },
    async exchangeShows(background: string): Promise<boolean> {
      const current = tenant.photos.get(user.id);
      if (!current) return false;
      return fingerprintsMatch(
        await photoFingerprint(current.bytes),
        await photoFingerprint(await picture(background)),
      );
    },
  };
}

describe.each(readings)('with Graph reading: %s', (reading) => {
  it(`PHOTO_AUTHORITY=user: an HR photo we wrote to Exchange causes no SharePoint write; the person's next change one (${name(reading)})`, async () => {
    const w = world(reading, 'user');
    await w.personSets('#808080');
    await w.run(5 * 60_000);
    expect(w.counts.sharePointWrites).toBe(1); // the person's photo from before, found once
    await w.hrUpload('#2050c8', { authority: false });
    await w.run(10 * 60_000);
    expect(w.counts.sharePointWrites).toBe(1);
    expect(w.outcomes).toContain('skipped');
    await w.personSets('#c83232');
    await w.run(10 * 60_000);
    expect(w.counts.sharePointWrites).toBe(2);
    expect(w.counts.exchangePuts).toBe(1);
  });

  it(`PHOTO_AUTHORITY=hr: the person's photo is replaced once, the restore's echo is ours, no loop (${name(reading)})`, async () => {
    const w = world(reading, 'hr');
    await w.hrUpload('#2050c8', { authority: true });
    await w.run(5 * 60_000);
    expect(w.counts.exchangePuts).toBe(1);
    await w.personSets('#c83232');
    await w.run(15 * 60_000);
    expect(w.counts.exchangePuts).toBe(2);
    expect(await w.exchangeShows('#2050c8')).toBe(true);
    expect(w.counts.sharePointWrites).toBe(0);
    // The same photo again (with a content-following etag, the etag replaced the first time): put back once more.
    await w.personSets('#c83232');
    await w.run(15 * 60_000);
    expect(w.counts.exchangePuts).toBe(3);
    expect(await w.exchangeShows('#2050c8')).toBe(true);
  });
});

describe('when Graph lags longer than PHOTO_READ_LAG_MS', () => {
  it('PHOTO_AUTHORITY=user still never writes our own photo to SharePoint', async () => {
    const w = world({ lagMs: 600_000, mediaEtag: 'everyWrite', reencode: true }, 'user');
    await w.personSets('#808080');
    await w.run(15 * 60_000);
    await w.hrUpload('#2050c8', { authority: false });
    await w.run(20 * 60_000);
    expect(w.counts.sharePointWrites).toBe(1);
  });

  it('PHOTO_AUTHORITY=hr puts the HR photo back at most once per window while Graph lags, then stops', async () => {
    const w = world({ lagMs: 600_000, mediaEtag: 'everyWrite', reencode: true }, 'hr');
    await w.hrUpload('#2050c8', { authority: true });
    await w.run(15 * 60_000);
    // Even our first write is hidden by the lag ("no photo" for ten minutes): bounded the same way.
    expect(w.counts.exchangePuts).toBeLessThanOrEqual(Math.ceil(600_000 / WINDOW_MS) + 1);
    const before = w.counts.exchangePuts;
    await w.personSets('#c83232');
    await w.run(30 * 60_000);
    const puts = w.counts.exchangePuts - before;
    expect(puts).toBeGreaterThanOrEqual(1);
    expect(puts).toBeLessThanOrEqual(Math.ceil(600_000 / WINDOW_MS) + 1);
    const settled = w.counts.exchangePuts;
    await w.run(30 * 60_000);
    expect(w.counts.exchangePuts).toBe(settled);
    expect(await w.exchangeShows('#2050c8')).toBe(true);
  });
});
