import {
  parkedRetryDelaySeconds,
  parkedUploadsDecision,
  readParkedUploadReport,
  retryParkedUploads,
  type ParkedReportMessage,
  type ParkedUploadPorts,
} from '../../../../src/pipeline/ingest/retryParkedUploads';

interface Message extends ParkedReportMessage {
  id: number;
}

/** The host's BlobTriggerMessage, as the queue adapter hands it over decoded. */
function hostReport(blobName: string, etag?: string, container = 'photos-incoming'): object {
  return {
    Type: 'BlobTrigger',
    FunctionId: 'Host.Functions.ingestPhoto',
    BlobType: 'BlockBlob',
    ContainerName: container,
    BlobName: blobName,
    ...(etag ? { ETag: etag } : {}),
  };
}

/** A queue of reports and a photos-incoming container, in memory; ingest fails for the names in `failing`. */
function fakePorts(
  reports: Array<{ body: unknown; dequeueCount?: number }>,
  blobs: Record<string, { etag: string; contentLength?: number }>,
  failing = new Set<string>(),
) {
  const pending: Message[] = reports.map((r, id) => ({ id, body: r.body, dequeueCount: r.dequeueCount ?? 1 }));
  const dismissed: number[] = [];
  const postponed: Array<{ id: number; seconds: number }> = [];
  const ingested: Array<{ name: string; etag: string }> = [];
  const ports: ParkedUploadPorts<Message> = {
    receive: () => Promise.resolve(pending.splice(0, 2)),
    currentVersion: (name) => {
      const blob = blobs[name];
      return Promise.resolve(blob ? { etag: blob.etag, contentLength: blob.contentLength ?? 1000 } : undefined);
    },
    ingestAgain: (name, etag) => {
      if (failing.has(name))
        return Promise.reject(Object.assign(new Error('Graph is unavailable'), { code: 'unavailable' }));
      ingested.push({ name, etag });
      return Promise.resolve('accepted');
    },
    dismiss: (m) => {
      dismissed.push(m.id);
      return Promise.resolve();
    },
    postpone: (m, seconds) => {
      postponed.push({ id: m.id, seconds });
      return Promise.resolve();
    },
  };
  return { ports, dismissed, postponed, ingested };
}

const options = { incomingContainer: 'photos-incoming', maxBytes: 10_000, firstRetrySeconds: 300, deadline: Infinity };

describe('readParkedUploadReport', () => {
  it("reads the host's report", () => {
    expect(readParkedUploadReport(hostReport('a b/ana@contoso.com.jpg', '"0x8DC"'))).toEqual({
      container: 'photos-incoming',
      blobName: 'a b/ana@contoso.com.jpg',
      etag: '"0x8DC"',
    });
    expect(readParkedUploadReport(hostReport('x.jpg'))).toEqual({ container: 'photos-incoming', blobName: 'x.jpg' });
  });

  it('refuses what the host never writes', () => {
    expect(readParkedUploadReport(undefined)).toBeUndefined();
    expect(readParkedUploadReport('not json')).toBeUndefined();
    expect(readParkedUploadReport({ ContainerName: 'photos-incoming' })).toBeUndefined();
    expect(readParkedUploadReport(['photos-incoming', 'x.jpg'])).toBeUndefined();
  });
});

describe('parkedRetryDelaySeconds', () => {
  it('doubles from the first wait with each failed retry, up to 6 hours', () => {
    expect([1, 2, 3, 4].map((tries) => parkedRetryDelaySeconds(tries, 300))).toEqual([300, 600, 1200, 2400]);
    expect(parkedRetryDelaySeconds(8, 300)).toBe(6 * 60 * 60);
    expect(parkedRetryDelaySeconds(500, 300)).toBe(6 * 60 * 60);
  });
});

describe('retryParkedUploads', () => {
  it('ingests a parked photo still in photos-incoming at the reported version, then deletes the report', async () => {
    const { ports, dismissed, postponed, ingested } = fakePorts([{ body: hostReport('ana.jpg', '"0x1"') }], {
      'ana.jpg': { etag: '"0x1"' },
    });
    const results = await retryParkedUploads(ports, options);
    expect(ingested).toEqual([{ name: 'ana.jpg', etag: '"0x1"' }]);
    expect(dismissed).toEqual([0]);
    expect(postponed).toEqual([]);
    expect(results).toEqual([{ name: 'ana.jpg', kind: 'ingested', outcome: 'accepted' }]);
  });

  it('compares ETags with or without quotes, as listings and headers give them', async () => {
    const { ports, ingested } = fakePorts([{ body: hostReport('ana.jpg', '0x1') }], { 'ana.jpg': { etag: '"0x1"' } });
    await retryParkedUploads(ports, options);
    expect(ingested).toHaveLength(1);
  });

  it('drops a report whose photo has its outcome, was replaced, is over the limit or is not in photos-incoming', async () => {
    const { ports, dismissed, ingested } = fakePorts(
      [
        { body: hostReport('gone.jpg', '"0x1"') },
        { body: hostReport('replaced.jpg', '"0x1"') },
        { body: hostReport('huge.jpg', '"0x1"') },
        { body: hostReport('other.jpg', '"0x1"', 'somewhere-else') },
        { body: undefined },
      ],
      {
        'replaced.jpg': { etag: '"0x2"' },
        'huge.jpg': { etag: '"0x1"', contentLength: 20_000 },
        'other.jpg': { etag: '"0x1"' },
      },
    );
    const results = await retryParkedUploads(ports, options);
    expect(ingested).toEqual([]);
    expect(dismissed.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => (r.kind === 'dismissed' ? r.reason : r.kind))).toEqual([
      'gone',
      'replaced',
      'oversized',
      'not-ingest',
      'malformed',
    ]);
  });

  it('hides a report whose retry fails again for longer each time, and keeps it', async () => {
    const { ports, dismissed, postponed } = fakePorts(
      [{ body: hostReport('ana.jpg', '"0x1"'), dequeueCount: 3 }],
      { 'ana.jpg': { etag: '"0x1"' } },
      new Set(['ana.jpg']),
    );
    const results = await retryParkedUploads(ports, options);
    expect(dismissed).toEqual([]);
    expect(postponed).toEqual([{ id: 0, seconds: 1200 }]);
    expect(results).toEqual([
      {
        name: 'ana.jpg',
        kind: 'postponed',
        retryInSeconds: 1200,
        tries: 3,
        error: 'Graph is unavailable',
        code: 'unavailable',
      },
    ]);
  });

  it('receives no new batch once the deadline has passed', async () => {
    const { ports, ingested } = fakePorts(
      [{ body: hostReport('a.jpg') }, { body: hostReport('b.jpg') }, { body: hostReport('c.jpg') }],
      { 'a.jpg': { etag: '"1"' }, 'b.jpg': { etag: '"1"' }, 'c.jpg': { etag: '"1"' } },
    );
    let clock = 0;
    // The first batch (two reports) starts before the deadline; the clock then passes it.
    await retryParkedUploads(ports, { ...options, deadline: 1, now: () => clock++ });
    expect(ingested.map((i) => i.name)).toEqual(['a.jpg', 'b.jpg']);
  });

  it('logs each report: warnings for a failed retry and an unreadable report', () => {
    const { logs } = parkedUploadsDecision(
      [
        { name: 'a.jpg', kind: 'ingested', outcome: 'accepted' },
        { name: 'b.jpg', kind: 'postponed', retryInSeconds: 300, tries: 1, error: 'down' },
        { name: '(unreadable report)', kind: 'dismissed', reason: 'malformed' },
      ],
      'c-1',
    );
    expect(logs.map((l) => [l.level, l.fields.blob, l.fields.result])).toEqual([
      ['info', 'a.jpg', 'ingested'],
      ['warn', 'b.jpg', 'postponed'],
      ['warn', '(unreadable report)', 'dismissed'],
    ]);
  });
});
