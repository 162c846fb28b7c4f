// Per-user photo state in Azure Table storage (table PhotoSyncState): PartitionKey = Entra object id, RowKey =
// target (`exchange`, `sharepoint`, `graph-photo`), so "where is this person's photo?" is one partition query.
// Writers race (two messages for one user, the notification path recording an ETag), so every change is a
// read-modify-write guarded by the entity's ETag (If-Match; a create fails with 409 if another got there first)
// and retried on conflict: https://learn.microsoft.com/rest/api/storageservices/update-entity2

import { RestError, TableClient, type TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import type { PhotoState, PhotoStatePatch, PhotoStatePort, PhotoTarget } from '../pipeline/write/PhotoStatePort';
import type { RenditionRef } from '../pipeline/messages/renditions';
import { tables } from './names';

type Entity = Omit<PhotoState, 'userId' | 'target' | 'lastRendition'> & { lastRendition?: string };

const MAX_CONFLICT_RETRIES = 8;

function isStatus(error: unknown, ...statuses: number[]): boolean {
  return error instanceof RestError && statuses.includes(error.statusCode ?? 0);
}

function toState(entity: TableEntityResult<Entity>): PhotoState {
  const { partitionKey, rowKey, etag: _etag, timestamp: _timestamp, lastRendition, ...fields } = entity;
  const state: PhotoState = { ...fields, userId: partitionKey ?? '', target: (rowKey ?? '') as PhotoTarget };
  if (lastRendition) state.lastRendition = JSON.parse(lastRendition) as RenditionRef;
  return state;
}

function toEntity(patch: PhotoStatePatch): Entity {
  const { lastRendition, ...fields } = patch;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Entity;
  return lastRendition ? { ...defined, lastRendition: JSON.stringify(lastRendition) } : defined;
}

export type TableConnection = { connectionString: string } | { url: string; credential: TokenCredential };

export class PhotoStateStore implements PhotoStatePort {
  private ready: Promise<void> | undefined;

  constructor(private readonly table: TableClient) {}

  static create(connection: TableConnection): PhotoStateStore {
    if ('connectionString' in connection) {
      const cs = connection.connectionString;
      const insecure = cs.includes('http://') || cs.includes('UseDevelopmentStorage');
      return new PhotoStateStore(
        TableClient.fromConnectionString(cs, tables.photoState, { allowInsecureConnection: insecure }),
      );
    }
    return new PhotoStateStore(new TableClient(`${connection.url}`, tables.photoState, connection.credential));
  }

  async get(userId: string, target: PhotoTarget): Promise<PhotoState | undefined> {
    const entity = await this.read(userId, target);
    return entity ? toState(entity) : undefined;
  }

  async update(
    userId: string,
    target: PhotoTarget,
    change: (current: PhotoState | undefined) => PhotoStatePatch | undefined,
  ): Promise<PhotoState | undefined> {
    for (let tries = 0; tries < MAX_CONFLICT_RETRIES; tries++) {
      const entity = await this.read(userId, target);
      const current = entity ? toState(entity) : undefined;
      const patch = change(current);
      if (!patch) return current;
      const row = { partitionKey: userId, rowKey: target, ...toEntity(patch) };
      try {
        if (entity) await this.table.updateEntity(row, 'Merge', { etag: entity.etag });
        else await this.table.createEntity(row);
        return { ...current, ...patch, userId, target };
      } catch (error) {
        // 412: changed since we read it; 409: created since we found nothing. Read again and re-apply.
        if (!isStatus(error, 409, 412)) throw error;
      }
    }
    throw new Error(`PhotoSyncState ${userId}/${target}: still conflicting after ${MAX_CONFLICT_RETRIES} tries.`);
  }

  async listForUser(userId: string): Promise<PhotoState[]> {
    await this.ensureTable();
    const states: PhotoState[] = [];
    const filter = `PartitionKey eq '${userId.replace(/'/g, "''")}'`;
    for await (const entity of this.table.listEntities<Entity>({ queryOptions: { filter } })) {
      states.push(toState(entity));
    }
    return states;
  }

  private async read(userId: string, target: PhotoTarget): Promise<TableEntityResult<Entity> | undefined> {
    await this.ensureTable();
    try {
      return await this.table.getEntity<Entity>(userId, target);
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** The local stack and infra/ provision the table; creating it here too keeps a fresh Azurite working. */
  private ensureTable(): Promise<void> {
    this.ready ??= this.table.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
