import type { StorageOnlyStack } from '../../support/localStackFixture';
import { startFixtureAppStack } from '../../support/startFixtureAppStack';

let stack: StorageOnlyStack;

beforeAll(async () => {
  stack = await startFixtureAppStack();
});

afterAll(async () => {
  await stack?.stop();
});

test('an HTTP function answers on /api/{route} with its status, headers and JSON body', async () => {
  const response = await fetch(`${stack.host.httpBaseUrl}/things/42?q=blue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ colour: 'blue' }),
  });
  expect(response.status).toBe(201);
  expect(response.headers.get('x-thing-id')).toBe('42');
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(await response.json()).toEqual({ id: '42', q: 'blue', method: 'POST', body: { colour: 'blue' } });
});

test('authLevel function is not enforced locally, so a request without a key is served', async () => {
  const response = await fetch(`${stack.host.httpBaseUrl}/things/7`);
  expect(response.status).toBe(201);
  expect(await response.json()).toMatchObject({ id: '7', method: 'GET', body: null });
});

test('unknown routes and methods the function does not accept answer 404', async () => {
  expect((await fetch(`${stack.host.httpBaseUrl}/nothing-here`)).status).toBe(404);
  expect((await fetch(`${stack.host.httpBaseUrl}/things/42`, { method: 'DELETE' })).status).toBe(404);
  expect((await fetch(`http://localhost:${stack.host.httpPort}/things/42`)).status).toBe(404);
});

test('a handler that throws answers 500 and reports a failed invocation', async () => {
  const failures: string[] = [];
  stack.host.on('invocationCompleted', (e) => {
    if (e.outcome === 'failed') failures.push(e.error?.message ?? '');
  });
  const response = await fetch(`${stack.host.httpBaseUrl}/things/1?explode=yes`);
  expect(response.status).toBe(500);
  expect(failures).toEqual(['fixture http handler failed on purpose']);
});
