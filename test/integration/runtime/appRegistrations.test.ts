import { readdirSync } from 'node:fs';
import path from 'node:path';
import { containers } from '../../../src/storage/names';
import { startStorageStack, type StorageOnlyStack } from '../../support/localStackFixture';

let stack: StorageOnlyStack;

beforeAll(async () => {
  // The app's own src/functions, exactly as `npm start` loads their compiled form.
  stack = await startStorageStack();
});

afterAll(async () => {
  await stack?.stop();
});

test('every file in src/functions registers a function the local runtime can run', () => {
  const files = readdirSync(path.resolve(__dirname, '../../../src/functions')).filter((f) => f.endsWith('.ts'));
  expect(stack.host.functions.length).toBeGreaterThanOrEqual(files.length);
});

test('ingestPhoto is the blob trigger on the incoming container', () => {
  expect(stack.host.functions).toContainEqual({
    name: 'ingestPhoto',
    trigger: 'blob',
    detail: `${containers.incoming}/{name}; Event Grid: POST /runtime/webhooks/blobs?functionName=Host.Functions.ingestPhoto`,
  });
});
