import { request } from 'node:http';
import { ContainerClient } from '@azure/storage-blob';
import { createConsoleHostLogger } from '../../../dev/runtime/HostLogger';
import { LocalFunctionsHost } from '../../../dev/runtime/LocalFunctionsHost';
import { fixtureFunctionModules, fixtureHostJson } from '../../fixtures/runtimeApp/fixtureApp';
import { observationsOf } from '../../fixtures/runtimeApp/observations';
import { waitFor, type StorageOnlyStack } from '../../support/localStackFixture';
import { startFixtureAppStack } from '../../support/startFixtureAppStack';

let stack: StorageOnlyStack;

beforeAll(async () => {
  stack = await startFixtureAppStack();
});

afterAll(async () => {
  await stack?.stop();
});

test('the host lists every registration of the app with its trigger', () => {
  expect([...stack.host.functions].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
    { name: 'echoThing', trigger: 'http', detail: 'GET,POST /api/things/{id}' },
    { name: 'processWork', trigger: 'queue', detail: 'runtime-work' },
    {
      name: 'recordBlob',
      trigger: 'blob',
      detail: 'runtime-drop/{name}; Event Grid: POST /runtime/webhooks/blobs?functionName=Host.Functions.recordBlob',
    },
    { name: 'tick', trigger: 'timer', detail: '0 0 0 1 1 *' },
  ]);
});

test('a timer function triggered by hand receives the timer object the library camel-cases', async () => {
  expect(observationsOf('tick')).toHaveLength(0);
  await stack.host.triggerTimer('tick');
  const [run] = observationsOf('tick');
  expect(run?.input).toMatchObject({ isPastDue: false, schedule: { adjustForDST: true } });
  expect(run?.triggerMetadata).toBeUndefined();
});

test('POST /admin/functions/{name} runs a timer function now, as the host admin API does', async () => {
  const before = observationsOf('tick').length;
  const response = await fetch(`http://localhost:${stack.host.httpPort}/admin/functions/tick`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"input":""}',
  });
  expect(response.status).toBe(202);
  await waitFor(() => observationsOf('tick').length === before + 1, { what: 'the timer to run' });
  const unknown = await fetch(`http://localhost:${stack.host.httpPort}/admin/functions/nope`, { method: 'POST' });
  expect(unknown.status).toBe(404);
});

/** A raw request, so the Host header is the one a rebinding page's browser would send (fetch sets its own). */
function postWithHost(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end('{"input":""}');
  });
}

test('POST /admin/functions/{name} with a Host that is not localhost is refused and runs nothing (DNS rebinding)', async () => {
  const before = observationsOf('tick').length;
  const port = stack.host.httpPort;
  expect(await postWithHost(port, '/admin/functions/tick', `attacker.example:${port}`)).toBe(421);
  expect(await postWithHost(port, '/api/things/1', 'attacker.example')).toBe(421);
  // The loopback names still work, with or without a port.
  expect(await postWithHost(port, '/admin/functions/tick', `127.0.0.1:${port}`)).toBe(202);
  await waitFor(() => observationsOf('tick').length === before + 1, { what: 'the timer to run once' });
  expect(observationsOf('tick')).toHaveLength(before + 1);
});

test('triggering a function that is not a timer is refused with a clear error', () => {
  expect(() => stack.host.triggerTimer('processWork')).toThrow('No timer function named "processWork".');
});

// Last: it stops the stack's host.
test('a host that starts after a missed occurrence runs the timer once with isPastDue', async () => {
  await stack.host.stop();
  const hosts = new ContainerClient(stack.storageConnectionString, 'azure-webjobs-hosts');
  const missed = {
    Last: '2020-01-01T00:00:00.000Z',
    Next: '2021-01-01T00:00:00.000Z',
    LastUpdated: '2020-01-01T00:00:00.000Z',
  };
  const text = JSON.stringify(missed);
  await hosts.getBlockBlobClient('timers/pastduetest/Host.Functions.tick/status').upload(text, text.length);
  const before = observationsOf('tick').length;
  const host = await LocalFunctionsHost.start({
    appSettings: stack.settings,
    functionModules: fixtureFunctionModules,
    hostJsonPath: fixtureHostJson,
    httpPort: 0,
    hostId: 'pastduetest',
    logger: createConsoleHostLogger({ minLevel: 'error' }),
  });
  try {
    const run = await waitFor(() => observationsOf('tick')[before], { what: 'the past-due run' });
    expect(run.input).toMatchObject({ isPastDue: true, scheduleStatus: { last: missed.Last, next: missed.Next } });
    await host.waitForIdle();
    expect(observationsOf('tick')).toHaveLength(before + 1);
    const status = JSON.parse(
      (await hosts.getBlobClient('timers/pastduetest/Host.Functions.tick/status').downloadToBuffer()).toString('utf8'),
    ) as { Next: string };
    expect(new Date(status.Next).getTime()).toBeGreaterThan(Date.now());
  } finally {
    await host.stop();
  }
});
