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
    userId: 'u-1',
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
    ['a bare string', 'u-1'],
    ['a message without the photoChange key', { userId: 'u-1' }],
    ['another schema', { photoChange: { ...valid.photoChange, schema: 'photo-sync/photo-change@99' } }],
    ['a missing userId', { photoChange: { ...valid.photoChange, userId: '' } }],
    ['an unknown source', { photoChange: { ...valid.photoChange, source: 'somewhere' } }],
    ['a negative attempt', { photoChange: { ...valid.photoChange, attempt: -1 } }],
  ])('refuses %s with a reason', (_name, message) => {
    const check = checkPhotoChangeMessage(message);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).not.toBe('');
  });
});

describe('checkExchangePhotoWriteMessage and checkSharePointPhotoWriteMessage', () => {
  const ref = (name: string) => ({ blobName: `u-2/hash-b/${name}.jpg`, width: 48, height: 48, bytes: 10 });
  const facts = {
    owner: { userId: 'u-2', userPrincipalName: 'megan@contoso.com' },
    contentHash: 'hash-b',
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
      reason: 'thumbnails.small, .medium and .large are required',
    });
    expect(checkExchangePhotoWriteMessage('hello')).toEqual({
      ok: false,
      reason: 'the exchangePhotoWrite key is missing',
    });
    expect(checkExchangePhotoWriteMessage({ exchangePhotoWrite: sharePoint.sharePointPhotoWrite })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/schema/),
    });
    const negative = { sharePointPhotoWrite: { ...sharePoint.sharePointPhotoWrite, attempt: -1 } };
    expect(checkSharePointPhotoWriteMessage(negative)).toEqual({ ok: false, reason: 'attempt must be a whole number' });
  });
});
