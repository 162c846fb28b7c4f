import {
  checkExchangePhotoWriteMessage,
  checkPhotoChangeMessage,
  checkSharePointPhotoWriteMessage,
} from '../../../../src/pipeline/messages/checkMessages';
import { exchangeWriteMessage, sharePointWriteMessage } from '../../../../src/pipeline/messages/writeMessages';
import { PHOTO_CHANGE_SCHEMA } from '../../../../src/pipeline/messages/messageContracts';

const valid = {
  photoChange: {
    schema: PHOTO_CHANGE_SCHEMA,
    userId: '11111111-1111-4111-8111-111111111111',
    changeType: 'updated',
    receivedAt: '2026-11-23T10:00:00.000Z',
    correlationId: 'c',
    source: 'notification',
    attempt: 0,
  },
};

describe('checkPhotoChangeMessage', () => {
  it('accepts the message graphNotifications and reconcilePhotos produce', () => {
    expect(checkPhotoChangeMessage(valid)).toEqual({ ok: true, message: valid });
  });

  it.each([
    ['a bare string', '11111111-1111-4111-8111-111111111111'],
    ['a message without the photoChange key', { userId: '11111111-1111-4111-8111-111111111111' }],
    ['another schema', { photoChange: { ...valid.photoChange, schema: 'photo-sync/photo-change@99' } }],
    ['a missing userId', { photoChange: { ...valid.photoChange, userId: '' } }],
    ['a userId that is a path segment', { photoChange: { ...valid.photoChange, userId: '..' } }],
    ['a receivedAt in the future', { photoChange: { ...valid.photoChange, receivedAt: '2999-01-01T00:00:00.000Z' } }],
    ['an unknown source', { photoChange: { ...valid.photoChange, source: 'somewhere' } }],
    ['a negative attempt', { photoChange: { ...valid.photoChange, attempt: -1 } }],
  ])('refuses %s with a reason', (_name, message) => {
    const check = checkPhotoChangeMessage(message);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).not.toBe('');
  });
});

describe('checkExchangePhotoWriteMessage and checkSharePointPhotoWriteMessage', () => {
  const ref = (name: string) => ({
    blobName: `22222222-2222-4222-8222-222222222222/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/${name}.jpg`,
    width: 48,
    height: 48,
    bytes: 10,
  });
  const facts = {
    owner: { userId: '22222222-2222-4222-8222-222222222222', userPrincipalName: 'megan@contoso.com' },
    contentHash: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    correlationId: 'c-2',
    receivedAt: '2026-11-23T10:00:00.000Z',
    origin: 'hr-upload' as const,
  };
  const sharePoint = sharePointWriteMessage(facts, { small: ref('S'), medium: ref('M'), large: ref('L') });

  it('accepts the messages the factories make', () => {
    expect(checkSharePointPhotoWriteMessage(sharePoint)).toEqual({ ok: true, message: sharePoint });
    const exchange = exchangeWriteMessage(facts, ref('exchange'), { force: true });
    expect(checkExchangePhotoWriteMessage(exchange)).toEqual({ ok: true, message: exchange });
  });

  it('names what is wrong with a malformed message', () => {
    const noThumbnails = { sharePointPhotoWrite: { ...sharePoint.sharePointPhotoWrite, thumbnails: {} } };
    expect(checkSharePointPhotoWriteMessage(noThumbnails)).toEqual({
      ok: false,
      code: 'malformed-message',
      reason: 'thumbnails.small.blobName is required',
    });
    expect(checkExchangePhotoWriteMessage('hello')).toEqual({
      ok: false,
      code: 'malformed-message',
      reason: 'the exchangePhotoWrite key is missing',
    });
    expect(checkExchangePhotoWriteMessage({ exchangePhotoWrite: sharePoint.sharePointPhotoWrite })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/schema/),
    });
    const negative = { sharePointPhotoWrite: { ...sharePoint.sharePointPhotoWrite, attempt: -1 } };
    expect(checkSharePointPhotoWriteMessage(negative)).toEqual({
      ok: false,
      code: 'malformed-message',
      reason: 'attempt must be a whole number',
    });
  });

  const exchange = exchangeWriteMessage(facts, ref('exchange'));
  const withWrite = (patch: Record<string, unknown>) => ({
    exchangePhotoWrite: { ...exchange.exchangePhotoWrite, ...patch },
  });
  const victim = '33333333-3333-4333-8333-333333333333';

  it.each([
    [
      'a rendition outside photos-processed (`..`)',
      withWrite({ photo: { ...ref('exchange'), blobName: '../photos-archive/2026/12/01/a.jpg' } }),
      /photo.blobName/,
    ],
    [
      'a rendition stored for another person',
      withWrite({ owner: { ...facts.owner, userId: victim } }),
      /photo.blobName/,
    ],
    ['another rendition of the same photo', withWrite({ photo: ref('L') }), /photo.blobName/],
    ['an object id that is not a GUID', withWrite({ owner: { ...facts.owner, userId: '..' } }), /GUID/],
    ['a content hash that is not sha256 hex', withWrite({ contentHash: '../x' }), /contentHash/],
    ['a receivedAt far in the future', withWrite({ receivedAt: '2999-01-01T00:00:00.000Z' }), /future/],
    ['an unknown origin', withWrite({ origin: 'admin' }), /origin/],
  ])('refuses %s as untrusted, with the reason', (_name, message, reason) => {
    expect(checkExchangePhotoWriteMessage(message, { now: new Date('2026-11-23T10:00:00.000Z') })).toEqual({
      ok: false,
      code: 'untrusted-message',
      reason: expect.stringMatching(reason),
    });
  });

  it('refuses a SharePoint write whose thumbnails are not the renditions ingest stored', () => {
    const swapped = {
      sharePointPhotoWrite: {
        ...sharePoint.sharePointPhotoWrite,
        thumbnails: { small: ref('S'), medium: ref('L'), large: ref('L') },
      },
    };
    expect(checkSharePointPhotoWriteMessage(swapped)).toMatchObject({
      ok: false,
      code: 'untrusted-message',
      reason: expect.stringMatching(/thumbnails.medium.blobName/),
    });
  });

  it('allows a receivedAt a little ahead of this clock (instances differ by seconds)', () => {
    const now = new Date('2026-11-23T09:59:00.000Z');
    expect(checkExchangePhotoWriteMessage(exchange, { now })).toMatchObject({ ok: true });
    expect(checkExchangePhotoWriteMessage(exchange, { now, clockSkewMs: 1_000 })).toMatchObject({ ok: false });
  });
});
