// ReconcileCheckpointStore against real Azurite: a pass's place survives between runs, lists round-trip, and a
// finished pass leaves no link behind.

import { TableClient } from '@azure/data-tables';
import { startAzurite, type Azurite } from '../../../dev/azurite';
import { ReconcileCheckpointStore } from '../../../src/storage/ReconcileCheckpointStore';
import { uniqueName } from '../../support/localStackFixture';

let azurite: Azurite;

beforeAll(async () => {
  azurite = await startAzurite({ ports: 'ephemeral', persistence: 'memory' });
});

afterAll(async () => {
  await azurite?.stop();
});

function store(): ReconcileCheckpointStore {
  const table = TableClient.fromConnectionString(azurite.connectionString, uniqueName('checkpoint').replace(/-/g, ''), {
    allowInsecureConnection: true,
  });
  return new ReconcileCheckpointStore(table);
}

it('has no checkpoint before the first run', async () => {
  await expect(store().load()).resolves.toBeUndefined();
});

it('keeps where the pass stands, and who to read first, between runs', async () => {
  const checkpoints = store();
  const saved = {
    nextLink: 'https://graph.microsoft.com/v1.0/users?$select=id&$top=999&$skiptoken=RFNwdAIAAQAAAA',
    passStartedAt: '2026-12-02T10:00:00.000Z',
    pagesDone: 4,
    usersChecked: 3_990,
    retryUserIds: ['3f1c2a9e-0000-4000-8000-000000000001', '3f1c2a9e-0000-4000-8000-000000000002'],
    lastPass: {
      startedAt: '2026-12-02T09:50:00.000Z',
      completedAt: '2026-12-02T09:58:20.000Z',
      usersChecked: 100_000,
      durationMs: 500_000,
    },
  };
  await checkpoints.save(saved);
  await expect(checkpoints.load()).resolves.toEqual(saved);
});

it('forgets the link of a finished pass (the next one starts at page 1)', async () => {
  const checkpoints = store();
  await checkpoints.save({
    nextLink: 'https://graph/next',
    passStartedAt: 'x',
    pagesDone: 3,
    usersChecked: 10,
    retryUserIds: [],
  });
  await checkpoints.save({ pagesDone: 0, usersChecked: 0, retryUserIds: [] });
  await expect(checkpoints.load()).resolves.toEqual({ pagesDone: 0, usersChecked: 0, retryUserIds: [] });
});
