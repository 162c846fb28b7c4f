import { ingestOutcomeFields } from '../../../../src/pipeline/ingest/ingestDecision';

describe('ingestOutcomeFields', () => {
  it('names the resolved user, how they were found, the content hash and the archive path of an accepted photo', () => {
    const fields = ingestOutcomeFields({
      kind: 'accepted',
      owner: { userId: '11111111-1111-4111-8111-111111111111', userPrincipalName: 'adele.vance@contoso.com' },
      resolvedBy: 'userPrincipalName',
      contentHash: '1111111111111111111111111111111111111111111111111111111111111111',
      archivedTo: 'photos-archive/2026/11/23/adele.vance@contoso.com.jpg',
      messages: {},
    });
    expect(fields).toEqual({
      outcome: 'accepted',
      userId: '11111111-1111-4111-8111-111111111111',
      resolvedBy: 'userPrincipalName',
      contentHash: '1111111111111111111111111111111111111111111111111111111111111111',
      archivedTo: 'photos-archive/2026/11/23/adele.vance@contoso.com.jpg',
    });
  });

  it('logs a rejection with the code HR reads in the rejection JSON, never the user-facing message', () => {
    const fields = ingestOutcomeFields({
      kind: 'rejected',
      code: 'too-small',
      message: 'The photo is 40×40 pixels',
      rejectedTo: 'photos-rejected/x.jpg',
    });
    expect(fields).toEqual({ outcome: 'rejected', code: 'too-small', rejectedTo: 'photos-rejected/x.jpg' });
  });

  it('reports a stored manifest with its row count, and a duplicate delivery with nothing else', () => {
    expect(
      ingestOutcomeFields({ kind: 'manifest-stored', storedTo: 'photos-archive/manifests/m.csv', rows: 3 }),
    ).toEqual({ outcome: 'manifest-stored', storedTo: 'photos-archive/manifests/m.csv', rows: 3 });
    expect(ingestOutcomeFields({ kind: 'already-handled' })).toEqual({ outcome: 'already-handled' });
  });
});
