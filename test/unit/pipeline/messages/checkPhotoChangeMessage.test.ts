import { checkPhotoChangeMessage } from '../../../../src/pipeline/messages/checkPhotoChangeMessage';
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
