import {
  findManifestMatch,
  isManifestName,
  parsePhotoManifest,
  type PhotoManifest,
} from '../../../../src/pipeline/ingest/photoManifest';
import { PhotoRejectedError } from '../../../../src/pipeline/ingest/PhotoRejectedError';

function rejectionOf(run: () => unknown): PhotoRejectedError {
  try {
    run();
  } catch (error) {
    if (error instanceof PhotoRejectedError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('parsePhotoManifest', () => {
  it('reads the UserPrincipalName and FileName columns of a plain manifest', () => {
    const rows = parsePhotoManifest(
      'UserPrincipalName,FileName\nadele.vance@contoso.com,adele.jpg\nalex.wilber@contoso.com,alex.png\n',
    );
    expect(rows).toEqual([
      { userPrincipalName: 'adele.vance@contoso.com', fileName: 'adele.jpg', line: 2 },
      { userPrincipalName: 'alex.wilber@contoso.com', fileName: 'alex.png', line: 3 },
    ]);
  });

  it('accepts an Excel export: byte order mark, CRLF, header in another case, columns in another order', () => {
    const text = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('filename,USERPRINCIPALNAME,Department\r\nadele.jpg,adele.vance@contoso.com,Sales\r\n', 'utf8'),
    ]);
    expect(parsePhotoManifest(text)).toEqual([
      { userPrincipalName: 'adele.vance@contoso.com', fileName: 'adele.jpg', line: 2 },
    ]);
  });

  it('keeps commas and quotes inside quoted file names', () => {
    const rows = parsePhotoManifest(
      'UserPrincipalName,FileName\n"megan.bowen@contoso.com","Bowen, Megan ""MB"" 2026.jpg"\n',
    );
    expect(rows[0]?.fileName).toBe('Bowen, Megan "MB" 2026.jpg');
  });

  it('reads semicolon-separated files saved by Excel in European locales', () => {
    expect(parsePhotoManifest('UserPrincipalName;FileName\nlee.gu@contoso.com;lee.jpg\n')[0]?.userPrincipalName).toBe(
      'lee.gu@contoso.com',
    );
  });

  it('skips blank lines but reports the real line number of each row', () => {
    const rows = parsePhotoManifest('UserPrincipalName,FileName\n\n\nlee.gu@contoso.com,lee.jpg\n');
    expect(rows).toEqual([{ userPrincipalName: 'lee.gu@contoso.com', fileName: 'lee.jpg', line: 4 }]);
  });

  it('rejects a file without the two header columns, naming what it found', () => {
    const error = rejectionOf(() => parsePhotoManifest('Email,Photo\nlee.gu@contoso.com,lee.jpg\n'));
    expect(error.code).toBe('invalid-manifest');
    expect(error.message).toContain('Email, Photo');
  });

  it('rejects rows that miss a value, listing their line numbers', () => {
    const error = rejectionOf(() =>
      parsePhotoManifest('UserPrincipalName,FileName\nlee.gu@contoso.com,\n,adele.jpg\nok@contoso.com,ok.jpg\n'),
    );
    expect(error.code).toBe('invalid-manifest');
    expect(error.details).toEqual({ lines: [2, 3] });
  });

  it('rejects broken quoting as invalid CSV rather than guessing', () => {
    expect(
      rejectionOf(() => parsePhotoManifest('UserPrincipalName,FileName\n"lee.gu@contoso.com,lee.jpg\n')).code,
    ).toBe('invalid-manifest');
  });
});

describe('manifest limits', () => {
  const limits = { maxBytes: 200, maxRows: 2 };
  const csv = (rows: number) =>
    ['UserPrincipalName,FileName', ...Array.from({ length: rows }, (_, i) => `p${i}@contoso.com,p${i}.jpg`)].join('\n');

  it('takes a manifest within both limits', () => {
    expect(parsePhotoManifest(csv(2), limits)).toHaveLength(2);
  });

  it('rejects a manifest over the byte limit before parsing it, with a reason HR can act on', () => {
    const error = rejectionOf(() => parsePhotoManifest(`${csv(1)}\n${'x,'.repeat(200)}`, limits));
    expect(error.code).toBe('manifest-too-large');
    expect(error.message).toMatch(/limit is 200.*Split it/);
  });

  it('rejects a manifest over the row limit', () => {
    const error = rejectionOf(() => parsePhotoManifest(csv(3), limits));
    expect(error.code).toBe('manifest-too-large');
    expect(error.details).toEqual({ maxRows: 2 });
  });

  it('refuses a whole-HR-database export by default (the review found 1M rows: 5.5 s blocked, +649 MB)', () => {
    const big = csv(25_000);
    expect(Buffer.byteLength(big)).toBeLessThan(2 * 1024 * 1024);
    expect(rejectionOf(() => parsePhotoManifest(big)).code).toBe('manifest-too-large');
  });
});

describe('findManifestMatch', () => {
  const older: PhotoManifest = {
    name: 'january.csv',
    receivedAt: new Date('2026-01-10T00:00:00Z'),
    rows: [{ userPrincipalName: 'old.owner@contoso.com', fileName: 'IMG_0001.jpg', line: 2 }],
  };
  const newer: PhotoManifest = {
    name: 'february.csv',
    receivedAt: new Date('2026-02-10T00:00:00Z'),
    rows: [
      { userPrincipalName: 'new.owner@contoso.com', fileName: 'img_0001.JPG', line: 2 },
      { userPrincipalName: 'lee.gu@contoso.com', fileName: 'team/lee.jpg', line: 3 },
    ],
  };

  it('uses the newest manifest that lists the photo, matching the name case-insensitively', () => {
    expect(findManifestMatch([older, newer], 'IMG_0001.jpg')).toEqual({
      manifestName: 'february.csv',
      userPrincipalNames: ['new.owner@contoso.com'],
      lines: [2],
    });
  });

  it("matches a bare file name only in the manifest's own folder: a camera name reused elsewhere is another photo", () => {
    expect(findManifestMatch([older], 'batch-7/IMG_0001.jpg')).toBeUndefined();
    const inFolder: PhotoManifest = { ...older, name: 'batch-7/january.csv' };
    expect(findManifestMatch([inFolder], 'batch-7/IMG_0001.jpg')?.manifestName).toBe('batch-7/january.csv');
    expect(findManifestMatch([inFolder], 'batch-8/IMG_0001.jpg')).toBeUndefined();
    expect(findManifestMatch([inFolder], 'IMG_0001.jpg')).toBeUndefined();
  });

  it('matches a path row to that path only', () => {
    expect(findManifestMatch([newer], 'other/lee.jpg')).toBeUndefined();
    expect(findManifestMatch([newer], 'team/lee.jpg')?.userPrincipalNames).toEqual(['lee.gu@contoso.com']);
  });

  it('returns every distinct person a manifest gives for one photo, so a conflict can be reported', () => {
    const conflicting: PhotoManifest = {
      name: 'typo.csv',
      receivedAt: new Date('2026-03-01T00:00:00Z'),
      rows: [
        { userPrincipalName: 'a@contoso.com', fileName: 'x.jpg', line: 2 },
        { userPrincipalName: 'A@contoso.com', fileName: 'x.jpg', line: 3 },
        { userPrincipalName: 'b@contoso.com', fileName: 'x.jpg', line: 4 },
      ],
    };
    expect(findManifestMatch([conflicting], 'x.jpg')?.userPrincipalNames).toEqual(['A@contoso.com', 'b@contoso.com']);
  });

  it('recognises manifests by their .csv extension only', () => {
    expect(isManifestName('users.CSV')).toBe(true);
    expect(isManifestName('adele.vance@contoso.com.jpg')).toBe(false);
  });
});
