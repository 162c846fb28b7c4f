import { ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { LocalFunctionsHost } from '../../../dev/runtime/LocalFunctionsHost';
import { createConsoleHostLogger } from '../../../dev/runtime/HostLogger';
import { fixtureFunctionModules, fixtureHostJson } from '../../fixtures/runtimeApp/fixtureApp';
import { observationsOf } from '../../fixtures/runtimeApp/observations';
import { fixtureContainer } from '../../fixtures/runtimeApp/recordBlob';
import { uniqueName, waitFor, type StorageOnlyStack } from '../../support/localStackFixture';
import { startFixtureAppStack } from '../../support/startFixtureAppStack';

let stack: StorageOnlyStack;

function container(): ContainerClient {
  return new ContainerClient(stack.storageConnectionString, fixtureContainer);
}

function deliveriesOf(blobName: string) {
  return observationsOf('recordBlob').filter(
    (o) => o.triggerMetadata?.blobTrigger === `${fixtureContainer}/${blobName}`,
  );
}

async function upload(blobName: string, text: string, metadata: Record<string, string> = {}): Promise<string> {
  const response = await container()
    .getBlockBlobClient(blobName)
    .upload(text, Buffer.byteLength(text), {
      metadata,
      blobHTTPHeaders: { blobContentType: 'text/plain' },
    });
  return response.etag ?? '';
}

beforeAll(async () => {
  stack = await startFixtureAppStack();
});

afterAll(async () => {
  await stack?.stop();
});

test('each blob version is delivered once, as bytes with the host trigger metadata', async () => {
  const name = `${uniqueName('photo')}.txt`;
  const etag = await upload(name, 'first version', { upn: 'adele.vance@contoso.com' });
  const [first] = await waitFor(() => deliveriesOf(name).length === 1 && deliveriesOf(name), {
    what: 'the first delivery',
  });
  expect(Buffer.isBuffer(first?.input)).toBe(true);
  expect((first?.input as Buffer).toString('utf8')).toBe('first version');
  expect(first?.triggerMetadata).toMatchObject({
    blobTrigger: `${fixtureContainer}/${name}`,
    name,
    metadata: { upn: 'adele.vance@contoso.com' },
    properties: { contentLength: 'first version'.length, contentType: 'text/plain', eTag: etag },
  });
  expect(String(first?.triggerMetadata?.uri)).toMatch(new RegExp(`/${fixtureContainer}/${name.replace('.', '\\.')}$`));

  // Several scans later (waitForIdle lists the container itself) the same version has not come again.
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  expect(deliveriesOf(name)).toHaveLength(1);

  await upload(name, 'second version');
  const second = await waitFor(() => deliveriesOf(name)[1], { what: 'the new version to be delivered' });
  expect((second.input as Buffer).toString('utf8')).toBe('second version');
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  expect(deliveriesOf(name)).toHaveLength(2);
}, 30_000);

test('a blob whose function keeps failing is tried poisonBlobThreshold times, then reported on webjobs-blobtrigger-poison', async () => {
  const name = `${uniqueName('bad')}.txt`;
  const etag = await upload(name, 'this one fails', { fail: 'yes' });
  const poison = new QueueClient(stack.storageConnectionString, 'webjobs-blobtrigger-poison');
  const message = await waitFor(
    async () => {
      const { peekedMessageItems } = await poison.peekMessages({ numberOfMessages: 32 });
      return peekedMessageItems
        .map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as Record<string, string>)
        .find((m) => m.BlobName === name);
    },
    { what: 'the poison blob message', timeoutMs: 20_000 },
  );
  expect(message).toMatchObject({
    FunctionId: 'Host.Functions.recordBlob',
    BlobType: 'BlockBlob',
    ContainerName: fixtureContainer,
    BlobName: name,
    ETag: etag,
  });
  // The fixture's host.json: blobs.poisonBlobThreshold 2, queues.maxDequeueCount 3 (which blobs do not use).
  expect(deliveriesOf(name)).toHaveLength(2);
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  expect(deliveriesOf(name)).toHaveLength(2);
}, 30_000);

test('redeliverBlob hands the same version to the function again, as a duplicate Event Grid event would', async () => {
  const name = `${uniqueName('duplicate')}.txt`;
  const etag = await upload(name, 'delivered twice');
  await waitFor(() => deliveriesOf(name).length === 1, { what: 'the first delivery' });
  await stack.host.redeliverBlob('recordBlob', name);
  const deliveries = deliveriesOf(name);
  expect(deliveries).toHaveLength(2);
  expect(deliveries.map((d) => (d.triggerMetadata?.properties as { eTag?: string }).eTag)).toEqual([etag, etag]);
  expect(deliveries[1]?.invocationId).not.toBe(deliveries[0]?.invocationId);
});

// Last: it stops the stack's host.
test('a restarted host does not deliver blobs it already has receipts for', async () => {
  const name = `${uniqueName('before-restart')}.txt`;
  await upload(name, 'delivered before the restart');
  await waitFor(() => deliveriesOf(name).length === 1, { what: 'the delivery before the restart' });
  await stack.host.waitForIdle({ timeoutMs: 10_000 });

  await stack.host.stop();
  const restarted = await LocalFunctionsHost.start({
    appSettings: stack.settings,
    functionModules: fixtureFunctionModules,
    hostJsonPath: fixtureHostJson,
    httpPort: 0,
    pollIntervalMs: 100,
    logger: createConsoleHostLogger({ minLevel: 'error' }),
  });
  try {
    const after = `${uniqueName('after-restart')}.txt`;
    await upload(after, 'new after the restart');
    await waitFor(() => deliveriesOf(after).length === 1, { what: 'the restarted host to deliver a new blob' });
    await restarted.waitForIdle({ timeoutMs: 10_000 });
    expect(deliveriesOf(name)).toHaveLength(1);
  } finally {
    await restarted.stop();
  }
  const receipts: string[] = [];
  for await (const blob of new ContainerClient(stack.storageConnectionString, 'azure-webjobs-hosts').listBlobsFlat({
    prefix: 'blobreceipts/',
  })) {
    receipts.push(blob.name);
  }
  expect(
    receipts.some((r) => r.includes('/Host.Functions.recordBlob/') && r.endsWith(`/${fixtureContainer}/${name}`)),
  ).toBe(true);
}, 30_000);
