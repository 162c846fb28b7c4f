// The shared budget's ledger in Azure Table storage (table M365Budget): one entity per budget (PartitionKey = the
// budget's name, e.g. `sharepoint`; RowKey `ledger`) holding the units leased per time slot as JSON. Every instance
// leases from it with a read-modify-write guarded by the entity's ETag (If-Match; a create fails with 409 when another
// instance got there first) and tries again on a conflict, so two instances never lease the same units
// (https://learn.microsoft.com/rest/api/storageservices/update-entity2). The arithmetic is budgetLedger's.

import { RestError, TableClient } from '@azure/data-tables';
import {
  leaseUnits,
  type BudgetShape,
  type LeaseOutcome,
  type LeaseRequest,
  type LedgerSlots,
} from '../m365/budgetLedger';
import type { BudgetLedgerPort } from '../m365/SharedUnitBudget';
import { tables } from './names';
import type { TableConnection } from './PhotoStateStore';

const ROW_KEY = 'ledger';
const MAX_CONFLICT_RETRIES = 20;

interface LedgerEntity {
  partitionKey: string;
  rowKey: string;
  slots: string;
}

function isStatus(error: unknown, ...statuses: number[]): boolean {
  return error instanceof RestError && statuses.includes(error.statusCode ?? 0);
}

export class BudgetLedgerStore implements BudgetLedgerPort {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly table: TableClient,
    private readonly name: string,
    readonly shape: BudgetShape,
    private readonly now: () => number = Date.now,
  ) {}

  static create(connection: TableConnection, name: string, shape: BudgetShape): BudgetLedgerStore {
    const table =
      'connectionString' in connection
        ? TableClient.fromConnectionString(connection.connectionString, tables.m365Budget, {
            allowInsecureConnection:
              connection.connectionString.includes('http://') ||
              connection.connectionString.includes('UseDevelopmentStorage'),
          })
        : new TableClient(connection.url, tables.m365Budget, connection.credential);
    return new BudgetLedgerStore(table, name, shape);
  }

  async lease(request: Omit<LeaseRequest, 'now'>): Promise<LeaseOutcome> {
    await (this.ready ??= this.ensureTable());
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.read();
      const outcome = leaseUnits(this.shape, current?.slots ?? {}, { ...request, now: this.now() });
      // A wait changes nothing worth a write (give-backs ride along with the next lease).
      if (outcome.kind === 'wait' && !request.giveBack?.length) return outcome;
      try {
        const entity: LedgerEntity = { partitionKey: this.name, rowKey: ROW_KEY, slots: JSON.stringify(outcome.slots) };
        if (current) await this.table.updateEntity(entity, 'Replace', { etag: current.etag });
        else await this.table.createEntity(entity);
        return outcome;
      } catch (error) {
        if (!isStatus(error, 409, 412) || attempt >= MAX_CONFLICT_RETRIES) throw error;
        // Another instance leased in between: read again, after a short random pause so the racers spread out.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
      }
    }
  }

  private async read(): Promise<{ slots: LedgerSlots; etag: string } | undefined> {
    try {
      const entity = await this.table.getEntity<LedgerEntity>(this.name, ROW_KEY);
      return { slots: JSON.parse(entity.slots) as LedgerSlots, etag: entity.etag };
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  private async ensureTable(): Promise<void> {
    try {
      await this.table.createTable();
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
  }
}
