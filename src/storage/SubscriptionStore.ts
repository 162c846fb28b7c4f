// The Graph subscriptions we own, in Table storage (`GraphSubscriptions`): one row per subscribed resource, so the
// renewal timer finds "our /users subscription" and the notification endpoint knows which ids are ours.
// Neither the clientState nor the notification URL's function key is stored (see subscriptionSettingsFingerprint).

import { RestError, TableClient, type TableEntityResult } from '@azure/data-tables';
import type { StoredSubscription } from '../pipeline/subscriptions/decideSubscriptionAction';
import type { SubscriptionStorePort } from '../pipeline/subscriptions/SubscriptionPorts';
import type { StorageClients } from './storageClients';
import { tables } from './names';

const PARTITION = 'subscription';

interface SubscriptionEntity {
  partitionKey: string;
  rowKey: string;
  subscriptionId: string;
  resource: string;
  changeType: string;
  notificationEndpoint: string;
  expirationDateTime: string;
  settingsFingerprint: string;
}

/** Table row keys may not contain `/`, `\`, `#` or `?`: `/users` becomes `users`. */
function rowKeyFor(resource: string): string {
  return (
    resource
      .replace(/^\/+/, '')
      .replace(/[/\\#?]/g, '_')
      .toLowerCase() || '_'
  );
}

function toSubscription(entity: TableEntityResult<SubscriptionEntity>): StoredSubscription {
  return {
    id: entity.subscriptionId,
    resource: entity.resource,
    changeType: entity.changeType,
    notificationEndpoint: entity.notificationEndpoint,
    expirationDateTime: entity.expirationDateTime,
    settingsFingerprint: entity.settingsFingerprint,
  };
}

export function createTableClient(storage: StorageClients, tableName: string): TableClient {
  const source = storage.tableCredentialOrConnectionString;
  if ('connectionString' in source) {
    const cs = source.connectionString;
    return TableClient.fromConnectionString(cs, tableName, {
      allowInsecureConnection: cs.includes('http://') || cs.includes('UseDevelopmentStorage'),
    });
  }
  return new TableClient(source.url, tableName, source.credential);
}

export class SubscriptionStore implements SubscriptionStorePort {
  constructor(private readonly table: TableClient) {}

  static fromStorageClients(storage: StorageClients): SubscriptionStore {
    return new SubscriptionStore(createTableClient(storage, tables.subscriptions));
  }

  async getByResource(resource: string): Promise<StoredSubscription | undefined> {
    try {
      return toSubscription(await this.table.getEntity<SubscriptionEntity>(PARTITION, rowKeyFor(resource)));
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async save(subscription: StoredSubscription): Promise<void> {
    const entity: SubscriptionEntity = {
      partitionKey: PARTITION,
      rowKey: rowKeyFor(subscription.resource),
      subscriptionId: subscription.id,
      resource: subscription.resource,
      changeType: subscription.changeType,
      notificationEndpoint: subscription.notificationEndpoint,
      expirationDateTime: subscription.expirationDateTime,
      settingsFingerprint: subscription.settingsFingerprint,
    };
    await this.table.upsertEntity(entity, 'Replace');
  }

  async listIds(): Promise<string[]> {
    const ids: string[] = [];
    const rows = this.table.listEntities<SubscriptionEntity>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'`, select: ['subscriptionId'] },
    });
    for await (const row of rows) ids.push(row.subscriptionId);
    return ids;
  }
}
