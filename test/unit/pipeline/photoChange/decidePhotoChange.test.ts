import { decidePhotoChange, NO_PHOTO_ETAG } from '../../../../src/pipeline/photoChange/decidePhotoChange';

const photo = { mediaEtag: 'W/"etag-2"', width: 648, height: 648 };

describe('decidePhotoChange', () => {
  it('does nothing when the etag is the one we last wrote or processed (our own write echoing back)', () => {
    expect(
      decidePhotoChange({ metadata: photo, seenMediaEtags: ['W/"etag-2"'], authority: 'user', hasHrPhoto: true }),
    ).toEqual({
      kind: 'skip',
      reason: 'already-seen',
    });
  });

  it('propagates a photo the user changed when users are the authority', () => {
    expect(
      decidePhotoChange({ metadata: photo, seenMediaEtags: ['W/"etag-1"'], authority: 'user', hasHrPhoto: true }),
    ).toEqual({
      kind: 'propagate',
      mediaEtag: 'W/"etag-2"',
    });
  });

  it('propagates a photo never seen before', () => {
    expect(decidePhotoChange({ metadata: photo, seenMediaEtags: [], authority: 'user', hasHrPhoto: false }).kind).toBe(
      'propagate',
    );
  });

  it('puts the HR photo back when HR is the authority', () => {
    expect(
      decidePhotoChange({ metadata: photo, seenMediaEtags: ['W/"etag-1"'], authority: 'hr', hasHrPhoto: true }),
    ).toEqual({
      kind: 'restore-hr',
      seenEtag: 'W/"etag-2"',
    });
  });

  it('propagates under HR authority when HR never supplied a photo for this user', () => {
    expect(decidePhotoChange({ metadata: photo, seenMediaEtags: [], authority: 'hr', hasHrPhoto: false }).kind).toBe(
      'propagate',
    );
  });

  it('puts the HR photo back when the user removed theirs and HR is the authority', () => {
    expect(
      decidePhotoChange({ metadata: undefined, seenMediaEtags: ['W/"etag-1"'], authority: 'hr', hasHrPhoto: true }),
    ).toEqual({
      kind: 'restore-hr',
      seenEtag: NO_PHOTO_ETAG,
    });
  });

  it('reports a removed photo once, then skips it', () => {
    expect(
      decidePhotoChange({ metadata: undefined, seenMediaEtags: ['W/"etag-1"'], authority: 'user', hasHrPhoto: false })
        .kind,
    ).toBe('removed');
    expect(
      decidePhotoChange({ metadata: undefined, seenMediaEtags: [NO_PHOTO_ETAG], authority: 'user', hasHrPhoto: false }),
    ).toEqual({
      kind: 'skip',
      reason: 'removal-already-seen',
    });
  });
});
