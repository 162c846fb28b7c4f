// The blob extension's Event Grid webhook on the local host, with listing off (`blobTriggerSource: 'eventGrid'`),
// so a blob is delivered only when an event names it: what `func start` does, and what Azure does when Event Grid
// posts. The requests are those of dev/ingestPhoto.http, the file the docs give developers.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { blobTriggerQueueName } from '../../../dev/runtime/BlobTriggerQueueListener';
import { observationsOf } from '../../fixtures/runtimeApp/observations';
import { fixtureContainer } from '../../fixtures/runtimeApp/recordBlob';
import { uniqueName, waitFor, type StorageOnlyStack } from '../../support/localStackFixture';
import { startFixtureAppStack } from '../../support/startFixtureAppStack';

interface HttpFileRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The requests of a `.http` file (REST Client syntax: `@name = value`, `###` between requests), variables filled. */
function httpFileRequests(file: string, variables: Record<string, string>): HttpFileRequest[] {
  const text = readFileSync(file, 'utf8');
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/^@(\w+)\s*=\s*(.*)$/gm)) values[match[1] as string] = (match[2] as string).trim();
  Object.assign(values, variables);
  const fill = (s: string) => s.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? `{{${name}}}`);
  return text
    .split(/^###.*$/m)
    .slice(1)
    .map((block) => {
      const lines = block.split('\n');
      const start = lines.findIndex((line) => /^[A-Z]+ /.test(line));
      const blank = lines.indexOf('', start);
      const [method, url] = (lines[start] as string).split(/\s+/) as [string, string];
      const headers = Object.fromEntries(
        lines.slice(start + 1, blank).map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      return {
        method,
        url: fill(url),
        headers,
        body: fill(
          lines
            .slice(blank + 1)
            .join('\n')
            .trim(),
        ),
      };
    });
}

const httpFile = path.resolve(__dirname, '../../../dev/ingestPhoto.http');
let stack: StorageOnlyStack;

beforeAll(async () => {
  stack = await startFixtureAppStack({ blobTriggerSource: 'eventGrid' });
});

afterAll(async () => {
  await stack?.stop();
});

function requestsFor(blobName: string, functionName = 'recordBlob') {
  const [notification, validation] = httpFileRequests(httpFile, {
    host: `http://localhost:${stack.host.httpPort}`,
    functionName,
    blobContainer: fixtureContainer,
    blobName,
  }) as [HttpFileRequest, HttpFileRequest];
  return { notification, validation };
}

function send(request: HttpFileRequest, override: Partial<HttpFileRequest> = {}) {
  const { method, url, headers, body } = { ...request, ...override };
  return fetch(url, { method, headers, body });
}

async function upload(blobName: string, text: string, metadata: Record<string, string> = {}): Promise<string> {
  const response = await new ContainerClient(stack.storageConnectionString, fixtureContainer)
    .getBlockBlobClient(blobName)
    .upload(text, Buffer.byteLength(text), { metadata });
  return response.etag ?? '';
}

const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
const fromBase64Json = (text: string) => JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;

const deliveriesOf = (blobName: string) =>
  observationsOf('recordBlob').filter((o) => o.triggerMetadata?.blobTrigger === `${fixtureContainer}/${blobName}`);

test('answers the subscription validation handshake with the validation code', async () => {
  const { validation } = requestsFor('any.jpg');
  const response = await send(validation);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
});

test('answers the handshake of a CloudEvents subscription, whose data is a JSON string', async () => {
  const { validation } = requestsFor('any.jpg');
  const cloudEvent = {
    specversion: '1.0',
    type: 'Microsoft.EventGrid.SubscriptionValidationEvent',
    source: '/subscriptions/x',
    id: '1',
    data: JSON.stringify({ validationCode: 'cloud-events-code' }),
  };
  const response = await send(validation, { body: JSON.stringify(cloudEvent) });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ validationResponse: 'cloud-events-code' });
});

test('a blob is delivered only when the event naming it is posted, and each event delivers it', async () => {
  const name = `${uniqueName('photo')}.jpg`;
  await upload(name, 'posted by hand');
  // Nothing lists the container: without an event, the blob waits.
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  expect(deliveriesOf(name)).toHaveLength(0);

  const { notification } = requestsFor(name);
  const response = await send(notification);
  expect(response.status).toBe(202);
  const [first] = await waitFor(() => deliveriesOf(name).length === 1 && deliveriesOf(name), {
    what: 'the delivery the event asked for',
  });
  expect((first?.input as Buffer).toString('utf8')).toBe('posted by hand');
  expect(first?.triggerMetadata).toMatchObject({ blobTrigger: `${fixtureContainer}/${name}`, name });

  // Event Grid delivers at least once; the host runs the function for every event, as on Azure.
  expect((await send(notification)).status).toBe(202);
  await waitFor(() => deliveriesOf(name).length === 2, { what: 'the second delivery' });
});

test('takes an array of Event Grid-schema events', async () => {
  const names = [`${uniqueName('a')}.jpg`, `${uniqueName('b')}.jpg`];
  for (const name of names) await upload(name, name);
  const events = names.map((name) => ({
    id: name,
    eventType: 'Microsoft.Storage.BlobCreated',
    subject: `/blobServices/default/containers/${fixtureContainer}/blobs/${name}`,
    data: { url: `https://contoso.blob.core.windows.net/${fixtureContainer}/${name}`, blobType: 'BlockBlob' },
  }));
  const { notification } = requestsFor('unused.jpg');
  expect((await send(notification, { body: JSON.stringify(events) })).status).toBe(202);
  await waitFor(() => names.every((name) => deliveriesOf(name).length === 1), { what: 'both deliveries' });
});

test('accepts, and then drops, events for a blob that is gone or a function that does not exist', async () => {
  const gone = `${uniqueName('gone')}.jpg`;
  const present = `${uniqueName('present')}.jpg`;
  await upload(present, 'present');
  expect((await send(requestsFor(gone).notification)).status).toBe(202);
  expect((await send(requestsFor(present, 'noSuchFunction').notification)).status).toBe(202);
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  expect(deliveriesOf(gone)).toHaveLength(0);
  expect(deliveriesOf(present)).toHaveLength(0);
});

test('refuses a request without an Event Grid event type', async () => {
  const { notification } = requestsFor('x.jpg');
  const response = await send(notification, { headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(400);
});

test("an accepted event waits in the host's blob trigger queue, so one that the instance which took it never ran is run by another", async () => {
  const name = `${uniqueName('orphan')}.jpg`;
  await upload(name, 'accepted by an instance that died');
  // What an instance leaves behind when it dies between answering Event Grid 202 and running the function: the
  // extension's BlobTriggerMessage on azure-webjobs-blobtrigger-{hostId}, which every instance of the app reads.
  const queue = new QueueClient(stack.storageConnectionString, blobTriggerQueueName(stack.host.hostId));
  await queue.sendMessage(
    base64Json({
      Type: 'BlobTrigger',
      FunctionId: 'Host.Functions.recordBlob',
      BlobType: 'BlockBlob',
      ContainerName: fixtureContainer,
      BlobName: name,
      ETag: '',
    }),
  );
  await waitFor(() => deliveriesOf(name).length === 1, { what: 'the orphaned event to be run' });
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  expect(deliveriesOf(name)).toHaveLength(1);
  expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
});

test('an event whose function keeps failing is tried poisonBlobThreshold times, then reported on webjobs-blobtrigger-poison', async () => {
  const name = `${uniqueName('bad')}.jpg`;
  const etag = await upload(name, 'this one fails', { fail: 'yes' });
  expect((await send(requestsFor(name).notification)).status).toBe(202);
  const poison = new QueueClient(stack.storageConnectionString, 'webjobs-blobtrigger-poison');
  const report = await waitFor(
    async () => {
      const { peekedMessageItems } = await poison.peekMessages({ numberOfMessages: 32 });
      return peekedMessageItems
        .map((m) => fromBase64Json(m.messageText) as Record<string, string>)
        .find((m) => m.BlobName === name);
    },
    { what: 'the poison report', timeoutMs: 20_000 },
  );
  // The version the function failed on, so retryParkedUploads can tell it from a newer upload.
  expect(report).toMatchObject({
    FunctionId: 'Host.Functions.recordBlob',
    ContainerName: fixtureContainer,
    ETag: etag,
  });
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  // The fixture's host.json: blobs.poisonBlobThreshold 2.
  expect(deliveriesOf(name)).toHaveLength(2);
  const queue = new QueueClient(stack.storageConnectionString, blobTriggerQueueName(stack.host.hostId));
  expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
});
