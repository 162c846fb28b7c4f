import type { RejectionRecord } from '../../../../src/pipeline/ingest/ingestPhoto';
import {
  oversizedUploadsDecision,
  rejectOversizedUploads,
  type IncomingListing,
} from '../../../../src/pipeline/ingest/rejectOversizedUploads';

const at = new Date('2026-11-30T08:00:00Z');
const listed = (name: string, contentLength: number): IncomingListing => ({
  name,
  etag: `"${name}"`,
  contentLength,
  lastModified: at,
  metadata: { upn: 'adele@contoso.com' },
});

function ports(blobs: IncomingListing[], failing: string[] = []) {
  const rejections: Array<{ name: string; rejection: RejectionRecord; etag: string }> = [];
  return {
    rejections,
    ports: {
      async *listIncoming() {
        await Promise.resolve();
        yield* blobs;
      },
      rejectOriginal(name: string, rejection: RejectionRecord, options: { etag: string }) {
        if (failing.includes(name)) return Promise.reject(new Error('412 the blob changed'));
        rejections.push({ name, rejection, etag: options.etag });
        return Promise.resolve(`photos-rejected/${name}`);
      },
    },
  };
}

describe('rejectOversizedUploads', () => {
  it('rejects only what is over the limit, photos as too-many-bytes and manifests as manifest-too-large', async () => {
    const { ports: p, rejections } = ports([
      listed('small.jpg', 1024),
      listed('limit.jpg', 2048),
      listed('huge.jpg', 5 * 1024 * 1024 * 1024),
      listed('everyone.csv', 4096),
    ]);
    const report = await rejectOversizedUploads(p, { maxBytes: 2048, correlationId: 'sweep-1' });
    expect(rejections.map((r) => [r.name, r.rejection.code, r.etag])).toEqual([
      ['huge.jpg', 'too-many-bytes', '"huge.jpg"'],
      ['everyone.csv', 'manifest-too-large', '"everyone.csv"'],
    ]);
    expect(rejections[0]?.rejection).toMatchObject({
      message: expect.stringContaining('5120.0 MB') as unknown,
      details: { bytes: 5 * 1024 * 1024 * 1024, maxBytes: 2048 },
      correlationId: 'sweep-1',
      receivedAt: at.toISOString(),
    });
    expect(report.failed).toEqual([]);
    const logs = oversizedUploadsDecision(report, 'sweep-1').logs.map((l) => [l.fields.blob, l.fields.code]);
    expect(logs).toEqual([
      ['huge.jpg', 'too-many-bytes'],
      ['everyone.csv', 'manifest-too-large'],
    ]);
  });

  it('reports a move that failed and carries on with the others; the next sweep looks again', async () => {
    const { ports: p, rejections } = ports([listed('a.jpg', 9999), listed('b.jpg', 9999)], ['a.jpg']);
    const report = await rejectOversizedUploads(p, { maxBytes: 2048, correlationId: 'sweep-2' });
    expect(report.failed).toEqual([{ name: 'a.jpg', error: '412 the blob changed' }]);
    expect(rejections.map((r) => r.name)).toEqual(['b.jpg']);
    expect(oversizedUploadsDecision(report, 'sweep-2').logs[1]).toMatchObject({ level: 'warn' });
  });
});
