// Makes LokiJS, the metadata store inside Azurite, use the indexes Azurite declares (applied inside Azurite by
// azuriteIndexedLookups.ts). Two costs grew with every blob of a first rollout's drop (about six per photo: the
// waiting originals, four renditions, an archive copy):
// - Lookups. Azurite finds a blob with `{ accountName, containerName, name, snapshot }`; LokiJS runs that as a chain
//   of filters and uses an index only for the first key, accountName, which every blob of the account shares. So
//   every read, write and delete scanned all the account's blobs. A conjunction's order does not change its answer:
//   the query is reordered to lead with its most selective indexed key.
// - Removals. Removing documents as a batch rebuilds (sorts) every index of the collection, even for an empty batch.
//   Azurite removes expired queue messages, usually none, on every receive and delete, and deletes a blob as a batch
//   of one. An empty batch is nothing to do; a batch of one is LokiJS's single-document removal, which updates each
//   index in place.
// Measured on this project's 2-core machine: uploads into a container fell from 240 a second when empty to 54 at
// 18,000 blobs; with the reordering they stay at about 420.

/** Most selective first: a message id, a block's blob, a blob or queue name, then the container. */
const selectiveKeys = ['messageId', 'blobName', 'name', 'queueName', 'containerName'] as const;

function isPlainEquality(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/** The query with its most selective plain-equality indexed key first, or the query itself when it already is. */
export function leadWithSelectiveKey(query: Record<string, unknown>, indexed: (key: string) => boolean): object {
  const keys = Object.keys(query);
  if (keys.length < 2) return query;
  const lead = selectiveKeys.find((key) => key in query && indexed(key) && isPlainEquality(query[key]));
  if (lead === undefined || keys[0] === lead) return query;
  const reordered: Record<string, unknown> = { [lead]: query[lead] };
  for (const key of keys) if (key !== lead) reordered[key] = query[key];
  return reordered;
}

interface LokiResultset {
  collection: { binaryIndices: Record<string, unknown> };
  filterInitialized: boolean;
  find: (this: LokiResultset, query: unknown, firstOnly?: boolean) => LokiResultset;
}

interface LokiCollection {
  data: object[];
  remove(doc: object): unknown;
  removeBatchByPositions: (this: LokiCollection, positions: number[]) => unknown;
}

/** The parts of the `lokijs` module this changes. */
export interface LokiModule {
  Resultset?: { prototype: LokiResultset };
  Collection?: { prototype: LokiCollection };
}

/** Applies both changes to a loaded `lokijs` module; throws when its shape is not the one they were written for. */
export function useLokiIndexes(loki: LokiModule): void {
  const resultset = loki.Resultset?.prototype;
  const collection = loki.Collection?.prototype;
  const find = resultset?.find;
  const removeBatchByPositions = collection?.removeBatchByPositions;
  // Fail Azurite's start, loudly, rather than run it slow after an upgrade changes LokiJS.
  if (!resultset || !collection || typeof find !== 'function' || typeof removeBatchByPositions !== 'function')
    throw new Error('LokiJS has no Resultset.find or Collection.removeBatchByPositions: update dev/lokiIndexUse.ts');
  resultset.find = function (this: LokiResultset, query: unknown, firstOnly?: boolean): LokiResultset {
    const first = !this.filterInitialized && query !== null && typeof query === 'object' && !Array.isArray(query);
    const ordered = first
      ? leadWithSelectiveKey(query as Record<string, unknown>, (key) => Boolean(this.collection.binaryIndices[key]))
      : query;
    return find.call(this, ordered, firstOnly);
  };
  collection.removeBatchByPositions = function (this: LokiCollection, positions: number[]): unknown {
    if (positions.length === 0) return undefined;
    const only = positions.length === 1 && positions[0] !== undefined ? this.data[positions[0]] : undefined;
    if (only) return this.remove(only);
    return removeBatchByPositions.call(this, positions);
  };
}
