// The removal audit in Azure Table storage (table PhotoRemovals): PartitionKey = Entra object id, RowKey = the
// removal's id, so a person's removals are one partition query. Records hold who asked, when, why and how far the
// removal got; never a photo, a URL to one or its hash.

import { RestError, TableClient, type TableEntityResult } from '@azure/data-tables';
import type { RemovalAuditPort, RemovalRecord } from '../pipeline/status/RemovalAuditPort';
import type { TableConnection } from './PhotoStateStore';
import { tables } from './names';

type Entity = Omit<RemovalRecord, 'userId' | 'requestId'>;

function toRecord(entity: TableEntityResult<Entity>): RemovalRecord {
  const { partitionKey, rowKey, etag: _etag, timestamp: _timestamp, ...fields } = entity;
  return { ...fields, userId: partitionKey ?? '', requestId: rowKey ?? '' };
}

export class RemovalAuditStore implements RemovalAuditPort {
  private ready: Promise<void> | undefined;

  constructor(private readonly table: TableClient) {}

  static create(connection: TableConnection): RemovalAuditStore {
    if ('connectionString' in connection) {
      const cs = connection.connectionString;
      const insecure = cs.includes('http://') || cs.includes('UseDevelopmentStorage');
      return new RemovalAuditStore(
        TableClient.fromConnectionString(cs, tables.photoRemovals, { allowInsecureConnection: insecure }),
      );
    }
    return new RemovalAuditStore(new TableClient(connection.url, tables.photoRemovals, connection.credential));
  }

  async save(record: RemovalRecord): Promise<void> {
    await this.ensureTable();
    const { userId, requestId, ...fields } = record;
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Entity;
    await this.table.upsertEntity({ partitionKey: userId, rowKey: requestId, ...defined }, 'Replace');
  }

  async get(userId: string, requestId: string): Promise<RemovalRecord | undefined> {
    await this.ensureTable();
    try {
      return toRecord(await this.table.getEntity<Entity>(userId, requestId));
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async listForUser(userId: string): Promise<RemovalRecord[]> {
    await this.ensureTable();
    const records: RemovalRecord[] = [];
    const filter = `PartitionKey eq '${userId.replace(/'/g, "''")}'`;
    for await (const entity of this.table.listEntities<Entity>({ queryOptions: { filter } })) {
      records.push(toRecord(entity));
    }
    return records.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
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
