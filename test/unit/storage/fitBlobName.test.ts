import { fitBlobName, MAX_BLOB_NAME_LENGTH } from '../../../src/storage/fitBlobName';
import { archiveBlobName } from '../../../src/storage/PhotoBlobStore';

// An upload name can itself be 1,024 characters long: its archive and rejection names must still be blob names.
const longName = (fill: string) => `batch-7/${fill.repeat(1_024 - 'batch-7/'.length - '.jpg'.length)}.jpg`;

describe('fitBlobName', () => {
  it('leaves a name that fits as it is', () => {
    expect(archiveBlobName('batch-7/adele.vance@contoso.com.jpg', new Date('2026-12-02T10:00:00Z'))).toBe(
      '2026/12/02/batch-7/adele.vance@contoso.com.jpg',
    );
    expect(fitBlobName('', 'a.jpg', '.error.json')).toBe('a.jpg.error.json');
  });

  it('shortens an archive name near the limit so the photo can still be archived, keeping folder and extension', () => {
    const name = longName('a');
    expect(name).toHaveLength(MAX_BLOB_NAME_LENGTH);
    const archived = archiveBlobName(name, new Date('2026-12-02T10:00:00Z'));
    expect(archived).toHaveLength(MAX_BLOB_NAME_LENGTH);
    expect(archived).toMatch(/^2026\/12\/02\/batch-7\/a+~[0-9a-f]{16}\.jpg$/);
  });

  it('gives two long names two targets, and the same name the same target every time', () => {
    const a = fitBlobName('', longName('a'), '.error.json');
    const b = fitBlobName('', `${longName('a').slice(0, -5)}b.jpg`, '.error.json');
    expect(a).not.toBe(b);
    expect(fitBlobName('', longName('a'), '.error.json')).toBe(a);
    expect(a.length).toBeLessThanOrEqual(MAX_BLOB_NAME_LENGTH);
    expect(a.endsWith('.jpg.error.json')).toBe(true);
  });
});
