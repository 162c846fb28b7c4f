// The reconcile pass's checkpoint (ReconcileCheckpoint) in Table storage, table `ReconcileCheckpoint`, one row.
// Runs of the timer never overlap (the Functions host holds a singleton lock for timer triggers), so a plain
// upsert is enough; lists travel as JSON strings (a table property holds one value).

import { RestError, type TableClient } from '@azure/data-tables';
import type { ReconcileCheckpoint, ReconcileCheckpointPort } from '../pipeline/photoChange/ReconcileCheckpoint';
import type { StorageClients } from './storageClients';
import { createTableClient } from './SubscriptionStore';
import { tables } from './names';

const PARTITION = 'reconcile';
const ROW = 'users';

interface CheckpointEntity {
  partitionKey: string;
  rowKey: string;
  nextLink?: string;
  passStartedAt?: string;
  pagesDone: number;
  usersChecked: number;
  retryUserIds: string;
  lastPass?: string;
}

export class ReconcileCheckpointStore implements ReconcileCheckpointPort {
  private ready: Promise<void> | undefined;

  constructor(private readonly table: TableClient) {}

  static fromStorageClients(storage: StorageClients): ReconcileCheckpointStore {
    return new ReconcileCheckpointStore(createTableClient(storage, tables.reconcileCheckpoint));
  }

  async load(): Promise<ReconcileCheckpoint | undefined> {
    await this.ensureTable();
    try {
      const entity = await this.table.getEntity<CheckpointEntity>(PARTITION, ROW);
      return {
        ...(entity.nextLink ? { nextLink: entity.nextLink } : {}),
        ...(entity.passStartedAt ? { passStartedAt: entity.passStartedAt } : {}),
        pagesDone: entity.pagesDone,
        usersChecked: entity.usersChecked,
        retryUserIds: JSON.parse(entity.retryUserIds || '[]') as string[],
        ...(entity.lastPass ? { lastPass: JSON.parse(entity.lastPass) as ReconcileCheckpoint['lastPass'] } : {}),
      };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async save(checkpoint: ReconcileCheckpoint): Promise<void> {
    await this.ensureTable();
    const entity: CheckpointEntity = {
      partitionKey: PARTITION,
      rowKey: ROW,
      pagesDone: checkpoint.pagesDone,
      usersChecked: checkpoint.usersChecked,
      retryUserIds: JSON.stringify(checkpoint.retryUserIds),
      ...(checkpoint.nextLink ? { nextLink: checkpoint.nextLink } : {}),
      ...(checkpoint.passStartedAt ? { passStartedAt: checkpoint.passStartedAt } : {}),
      ...(checkpoint.lastPass ? { lastPass: JSON.stringify(checkpoint.lastPass) } : {}),
    };
    // Replace, not merge: a finished pass's nextLink must not survive into the next one.
    await this.table.upsertEntity(entity, 'Replace');
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.table.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
