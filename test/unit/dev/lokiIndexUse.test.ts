import path from 'node:path';
import { leadWithSelectiveKey, useLokiIndexes, type LokiModule } from '../../../dev/lokiIndexUse';

interface LokiCollection {
  binaryIndices: Record<string, unknown>;
  insert(doc: object): void;
  find(query: object): Record<string, unknown>[];
}

/** The LokiJS Azurite loads, with a blobs collection indexed as Azurite indexes it. */
function azuriteLikeBlobs(): LokiCollection {
  const azuriteDir = path.dirname(require.resolve('azurite/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Loki = require(require.resolve('lokijs', { paths: [azuriteDir] })) as new (name: string) => {
    addCollection(name: string, options: object): LokiCollection;
  };
  const blobs = new Loki('blobs.db').addCollection('$BLOBS_COLLECTION$', {
    indices: ['accountName', 'containerName', 'name', 'snapshot'],
  });
  for (const containerName of ['photos-incoming', 'photos-archive', 'photos-renditions'])
    for (let i = 0; i < 50; i += 1)
      for (const snapshot of ['', '2026-12-03T08:00:00.0000000Z'])
        blobs.insert({ accountName: 'devstoreaccount1', containerName, name: `user${i % 20}/${i}.jpg`, snapshot });
  return blobs;
}

describe('leadWithSelectiveKey', () => {
  const indexed = (key: string): boolean => ['accountName', 'containerName', 'name', 'snapshot'].includes(key);

  it("leads a blob lookup with the blob's name instead of the account every blob shares", () => {
    const query = { accountName: 'a', containerName: 'c', name: 'n', snapshot: '' };
    expect(Object.keys(leadWithSelectiveKey(query, indexed))).toEqual([
      'name',
      'accountName',
      'containerName',
      'snapshot',
    ]);
  });

  it("leads a block lookup with the block's blob, and a message lookup with its id", () => {
    const both = (key: string): boolean => key !== 'accountName';
    expect(
      Object.keys(leadWithSelectiveKey({ accountName: 'a', containerName: 'c', blobName: 'b', name: 'x' }, both))[0],
    ).toBe('blobName');
    expect(Object.keys(leadWithSelectiveKey({ accountName: 'a', queueName: 'q', messageId: 'm' }, both))[0]).toBe(
      'messageId',
    );
  });

  it('leaves an operator (a prefix listing) where it is and leads with the container instead', () => {
    const query = { accountName: 'a', containerName: 'c', name: { $regex: '^user1/' } };
    expect(Object.keys(leadWithSelectiveKey(query, indexed))).toEqual(['containerName', 'accountName', 'name']);
  });

  it('leaves a query alone when no selective key is indexed, or it already leads', () => {
    const none = { accountName: 'a', table: 't' };
    expect(leadWithSelectiveKey(none, indexed)).toBe(none);
    const leading = { name: 'n', accountName: 'a' };
    expect(leadWithSelectiveKey(leading, indexed)).toBe(leading);
    expect(Object.keys(leadWithSelectiveKey({ accountName: 'a', name: 'n' }, () => false))).toEqual([
      'accountName',
      'name',
    ]);
  });

  it("finds exactly what Azurite's own order finds, in Azurite's LokiJS", () => {
    const blobs = azuriteLikeBlobs();
    const queries: Record<string, unknown>[] = [
      { accountName: 'devstoreaccount1', containerName: 'photos-archive', name: 'user3/23.jpg', snapshot: '' },
      { accountName: 'devstoreaccount1', containerName: 'photos-incoming', name: 'user3/23.jpg' },
      { accountName: 'devstoreaccount1', containerName: 'photos-renditions', name: 'nobody.jpg', snapshot: '' },
      { accountName: 'devstoreaccount1', containerName: 'photos-archive' },
      { accountName: 'devstoreaccount1', containerName: 'photos-archive', name: { $regex: '^user1' } },
      { accountName: 'other', containerName: 'photos-archive', name: 'user3/23.jpg', snapshot: '' },
    ];
    const withoutMeta = (docs: Record<string, unknown>[]): string[] =>
      docs.map((d) => `${String(d.containerName)}/${String(d.name)}@${String(d.snapshot)}`).sort();
    for (const query of queries) {
      const reordered = leadWithSelectiveKey(query, (key) => Boolean(blobs.binaryIndices[key]));
      expect(withoutMeta(blobs.find(reordered))).toEqual(withoutMeta(blobs.find(query)));
    }
    expect(blobs.find(queries[0] ?? {})).toHaveLength(1);
    expect(blobs.find(queries[3] ?? {})).toHaveLength(100);
  });
});

describe('useLokiIndexes', () => {
  interface Blobs {
    insert(doc: object): void;
    remove(docs: object[]): void;
    findAndRemove(query: object): void;
    findOne(query: object): Record<string, unknown> | null;
    find(query: object): Record<string, unknown>[];
    count(): number;
  }
  const lokiPath = require.resolve('lokijs', { paths: [path.dirname(require.resolve('azurite/package.json'))] });
  const account = 'devstoreaccount1';

  /** A fresh copy of Azurite's LokiJS (patched or not), a blobs collection indexed as Azurite's, and the same edits. */
  function edited(patched: boolean): Blobs {
    let blobs: Blobs | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Loki = require(lokiPath) as LokiModule &
        (new (name: string) => { addCollection(n: string, o: object): Blobs });
      if (patched) useLokiIndexes(Loki);
      blobs = new Loki('blobs.db').addCollection('$BLOBS_COLLECTION$', {
        indices: ['accountName', 'containerName', 'name', 'snapshot'],
      });
    });
    if (!blobs) throw new Error('no collection');
    for (const containerName of ['photos-incoming', 'photos-archive', 'photos-processed'])
      for (let i = 0; i < 60; i += 1)
        blobs.insert({ accountName: account, containerName, name: `u${i % 7}/${i}.jpg`, snapshot: '' });
    blobs.remove([]);
    blobs.findAndRemove({ accountName: account, containerName: 'photos-incoming', name: 'u3/3.jpg', snapshot: '' });
    blobs.findAndRemove({ accountName: account, containerName: 'photos-processed', name: { $regex: '^u2/' } });
    blobs.insert({ accountName: account, containerName: 'photos-incoming', name: 'u3/3.jpg', snapshot: 'v2' });
    blobs.findAndRemove({ accountName: account, containerName: 'photos-archive' });
    return blobs;
  }

  it('removes and finds exactly what unpatched LokiJS does, through every index', () => {
    const before = edited(false);
    const after = edited(true);
    const queries: object[] = [
      { accountName: account, containerName: 'photos-incoming', name: 'u3/3.jpg', snapshot: '' },
      { accountName: account, containerName: 'photos-incoming', name: 'u3/3.jpg', snapshot: 'v2' },
      { accountName: account, containerName: 'photos-incoming', name: 'u4/4.jpg', snapshot: '' },
      { accountName: account, containerName: 'photos-processed', name: 'u2/9.jpg', snapshot: '' },
      { accountName: account, containerName: 'photos-processed', name: 'u5/5.jpg', snapshot: '' },
      { accountName: account, containerName: 'photos-archive' },
      { accountName: account, containerName: 'photos-processed' },
      { accountName: account },
      { snapshot: 'v2' },
    ];
    const key = (docs: Record<string, unknown>[]): string[] =>
      docs.map((d) => `${String(d.containerName)}/${String(d.name)}@${String(d.snapshot)}`).sort();
    expect(after.count()).toBe(before.count());
    expect(after.count()).toBe(60 - 1 + 1 + (60 - 9));
    for (const query of queries) expect(key(after.find(query))).toEqual(key(before.find(query)));
    expect(after.findOne(queries[0] ?? {})).toBeNull();
    expect(after.findOne(queries[1] ?? {})).not.toBeNull();
  });

  it('refuses a LokiJS without the functions it changes', () => {
    expect(() => useLokiIndexes({})).toThrow(/update dev\/lokiIndexUse.ts/);
  });
});
