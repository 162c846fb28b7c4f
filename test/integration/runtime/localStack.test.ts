import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config';
import { startTestStack, type LocalStack } from '../../support/localStackFixture';

let stack: LocalStack;

beforeAll(async () => {
  // No function files at all: the stack must still come up (npm start before anything is built).
  stack = await startTestStack({ functionModules: [] });
});

afterAll(async () => {
  await stack?.stop();
});

test('the stack builds app settings that point the app at Azurite and the emulator', () => {
  const { settings, azurite, emulator, host } = stack;
  expect(settings.AzureWebJobsStorage).toBe(stack.storageConnectionString);
  expect(settings.AzureWebJobsStorage).toContain(
    `BlobEndpoint=http://127.0.0.1:${azurite.ports.blob}/devstoreaccount1`,
  );
  expect(settings).toMatchObject({
    M365_TENANT_ID: emulator.tenantId,
    M365_CLIENT_ID: emulator.apps.photoSync.clientId,
    M365_AUTHORITY_HOST: emulator.urls.authorityHost,
    GRAPH_BASE_URL: emulator.urls.graphBaseUrl,
    SHAREPOINT_MYSITE_URL: emulator.urls.mySiteUrl,
    SHAREPOINT_ADMIN_URL: emulator.urls.adminSiteUrl,
    NOTIFICATION_URL: `http://localhost:${host.httpPort}/api/notifications`,
  });
  expect(settings.NOTIFICATION_CLIENT_STATE?.length).toBeGreaterThanOrEqual(32);
  // The app's own configuration loader accepts them, certificate included.
  const config = loadConfig(settings);
  expect(config.m365.credential.kind).toBe('certificate');
  expect(config.storage).toEqual({ kind: 'connectionString', connectionString: stack.storageConnectionString });
});

test('the app certificate is written outside the repository as one PEM with certificate and key', () => {
  const pemPath = stack.settings.M365_CLIENT_CERTIFICATE_PATH ?? '';
  expect(pemPath.startsWith(process.cwd())).toBe(false);
  const pem = readFileSync(pemPath, 'utf8');
  expect(pem).toContain('-----BEGIN CERTIFICATE-----');
  expect(pem).toMatch(/-----BEGIN (RSA |EC )?PRIVATE KEY-----/);
});

test("the emulator's login endpoint answers over HTTPS trusted through the dev CA", async () => {
  const response = await fetch(
    `${stack.emulator.urls.authorityHost}/${stack.emulator.tenantId}/v2.0/.well-known/openid-configuration`,
  );
  expect(response.status).toBe(200);
  expect(((await response.json()) as { token_endpoint?: string }).token_endpoint).toContain(stack.emulator.tenantId);
});

test('a host with no functions still serves HTTP (404) and stopping removes the temporary state', async () => {
  expect(stack.host.functions).toHaveLength(0);
  expect((await fetch(`${stack.host.httpBaseUrl}/anything`)).status).toBe(404);
  const stateDir = stack.stateDir;
  await stack.stop();
  expect(existsSync(stateDir)).toBe(false);
});
