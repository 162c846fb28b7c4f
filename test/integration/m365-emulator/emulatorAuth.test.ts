import { X509Certificate, createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createM365Auth } from '../../../src/m365/M365Auth';
import { emulatorM365Config } from '../writers/emulatorM365Config';
import { accessToken, bearer } from './emulatorClients';

let emulator: M365Emulator;

beforeAll(async () => {
  emulator = await startM365Emulator({ seed: 'demo' });
});
afterAll(async () => {
  await emulator.close();
});

function tokenEndpoint(): string {
  return `${emulator.urls.authorityHost}/${emulator.tenantId}/oauth2/v2.0/token`;
}

async function postToken(form: Record<string, string>) {
  const response = await fetch(tokenEndpoint(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

describe('token endpoint', () => {
  test('MSAL gets a Graph token with the client secret, carrying the granted roles', async () => {
    const token = await accessToken(emulator, { credential: 'secret', resource: emulator.urls.graphBaseUrl });
    const claims = claimsOf(token);
    expect(claims.aud).toBe(emulator.urls.graphBaseUrl);
    expect(claims.tid).toBe(emulator.tenantId);
    expect(claims.appid).toBe(emulator.apps.photoSync.clientId);
    expect(claims.roles).toEqual(expect.arrayContaining(['ProfilePhoto.ReadWrite.All', 'User.Read.All']));
    // With the host in knownAuthorities MSAL trusts it without asking login.microsoftonline.com for instance metadata.
    const routes = Object.keys(emulator.control.stats().byRoute);
    expect(routes).toContain('login GET openid-configuration');
    expect(routes).not.toContain('login GET instance-discovery');
  });

  test('MSAL gets a SharePoint token with the certificate (PS256 assertion, x5t#S256)', async () => {
    const token = await accessToken(emulator, { credential: 'certificate', resource: emulator.urls.mySiteUrl });
    const claims = claimsOf(token);
    expect(claims.aud).toBe(emulator.urls.mySiteUrl);
    expect(claims.appidacr).toBe('2');
    expect(claims.roles).toEqual(expect.arrayContaining(['Sites.FullControl.All']));
  });

  test('a wrong client secret is refused with AADSTS7000215', async () => {
    const { status, body } = await postToken({
      grant_type: 'client_credentials',
      client_id: emulator.apps.photoSync.clientId,
      client_secret: 'not-the-secret',
      scope: `${emulator.urls.graphBaseUrl}/.default`,
    });
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.error_codes).toEqual([7000215]);
    expect(String(body.error_description)).toMatch(/^AADSTS7000215: Invalid client secret provided/);
  });

  test('an assertion signed with a key that is not the registered certificate is refused', async () => {
    const registered = new X509Certificate(emulator.apps.photoSync.certificatePem);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    // Claims the registered certificate's thumbprint but is signed by another key.
    const forged = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({
        alg: 'PS256',
        typ: 'JWT',
        'x5t#S256': Buffer.from(emulator.apps.photoSync.thumbprintSha256, 'hex').toString('base64url'),
      })
      .setIssuer(emulator.apps.photoSync.clientId)
      .setSubject(emulator.apps.photoSync.clientId)
      .setAudience(tokenEndpoint())
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    const { status, body } = await postToken({
      grant_type: 'client_credentials',
      client_id: emulator.apps.photoSync.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: forged,
      scope: `${emulator.urls.graphBaseUrl}/.default`,
    });
    expect(registered.publicKey.asymmetricKeyType).toBe('rsa');
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: 'invalid_client', error_codes: [700027] });
  });

  test('an assertion signed with the registered key works, and the same assertion tampered with is refused', async () => {
    const app = emulator.apps.photoSync;
    const now = Math.floor(Date.now() / 1000);
    const sign = (jti: string) =>
      new SignJWT({ jti })
        .setProtectedHeader({ alg: 'RS256', x5t: Buffer.from(app.thumbprintSha1, 'hex').toString('base64url') })
        .setIssuer(app.clientId)
        .setSubject(app.clientId)
        .setAudience(tokenEndpoint())
        .setNotBefore(now)
        .setExpirationTime(now + 600)
        .sign(createPrivateKey(app.privateKeyPem));
    const request = (assertion: string) =>
      postToken({
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: `${emulator.urls.graphBaseUrl}/.default`,
      });

    const genuine = await request(await sign(randomUUID()));
    expect(genuine.status).toBe(200);

    const [header, payload, signature] = (await sign(randomUUID())).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: now + 86_400 })).toString('base64url');
    const tampered = await request(`${header}.${longer}.${signature}`);
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject({ error: 'invalid_client', error_codes: [700027] });
  });

  test('a scope without /.default is refused with AADSTS1002012', async () => {
    const { status, body } = await postToken({
      grant_type: 'client_credentials',
      client_id: emulator.apps.photoSync.clientId,
      client_secret: emulator.apps.photoSync.clientSecret,
      scope: `${emulator.urls.graphBaseUrl}/User.Read.All`,
    });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
  });
});

describe('resource servers', () => {
  test('SharePoint refuses an app-only token obtained with a client secret', async () => {
    const token = await accessToken(emulator, { credential: 'secret', resource: emulator.urls.mySiteUrl });
    const response = await fetch(
      `${emulator.urls.mySiteUrl}/_api/web/lists/GetByTitle('User%20Photos')/RootFolder/Folders`,
      {
        headers: bearer(token, { accept: 'application/json;odata=nometadata' }),
      },
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error_description: 'Unsupported app only token.' });
  });

  test('Graph answers 401 InvalidAuthenticationToken without a token', async () => {
    const response = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as {
      error: { code: string; message: string; innerError: Record<string, string> };
    };
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('Graph answers 401 for a token issued for SharePoint (wrong audience)', async () => {
    const token = await accessToken(emulator, { resource: emulator.urls.mySiteUrl });
    const response = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users`, { headers: bearer(token) });
    expect(response.status).toBe(401);
  });

  test('an app without roles gets 403 from Graph directory and photo endpoints and from SharePoint', async () => {
    const graphToken = await accessToken(emulator, { app: 'noRoles', resource: emulator.urls.graphBaseUrl });
    const adele = emulator.users[0]?.id ?? '';
    const users = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users/${adele}`, { headers: bearer(graphToken) });
    expect(users.status).toBe(403);
    expect(((await users.json()) as { error: { code: string } }).error.code).toBe('Authorization_RequestDenied');
    const photo = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users/${adele}/photo`, {
      headers: bearer(graphToken),
    });
    expect(photo.status).toBe(403);
    expect(((await photo.json()) as { error: { code: string } }).error.code).toBe('ErrorAccessDenied');

    const spToken = await accessToken(emulator, { app: 'noRoles', resource: emulator.urls.mySiteUrl });
    const folders = await fetch(
      `${emulator.urls.mySiteUrl}/_api/web/lists/GetByTitle('User%20Photos')/RootFolder/Folders`,
      {
        headers: bearer(spToken, { accept: 'application/json;odata=nometadata' }),
      },
    );
    expect(folders.status).toBe(403);
    expect(await folders.json()).toEqual({
      'odata.error': {
        code: '-2147024891, System.UnauthorizedAccessException',
        message: {
          lang: 'en-US',
          value: 'Access denied. You do not have permission to perform this action or access this resource.',
        },
      },
    });
  });
});

describe('token lifetime', () => {
  test('a token is refused once the emulator clock passes its exp', async () => {
    const token = await accessToken(emulator, { resource: emulator.urls.graphBaseUrl });
    const before = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users?$top=1`, { headers: bearer(token) });
    expect(before.status).toBe(200);
    emulator.control.advanceClock(2 * 60 * 60 * 1000);
    const after = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users?$top=1`, { headers: bearer(token) });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
  });
});

describe("the app's token keeping (M365Auth)", () => {
  // Its own emulator: the tests above move their emulator's clock past every token.
  let fresh: M365Emulator;
  beforeAll(async () => {
    fresh = await startM365Emulator({ seed: 'demo' });
  });
  afterAll(async () => {
    await fresh.close();
  });

  test('asks MSAL once per scope while its token is fresh, once for many concurrent asks, and again when MSAL would renew', async () => {
    const asks = jest.spyOn(ConfidentialClientApplication.prototype, 'acquireTokenByClientCredential');
    try {
      let clock = Date.now();
      const auth = createM365Auth(emulatorM365Config(fresh), () => clock);
      const graph = fresh.urls.graphBaseUrl;
      const together = await Promise.all(Array.from({ length: 6 }, () => auth.getToken(graph)));
      expect(asks).toHaveBeenCalledTimes(1);
      expect(new Set(together).size).toBe(1);
      expect(claimsOf(together[0] ?? '').aud).toBe(graph);
      expect(await auth.getToken(`${graph}/users`)).toBe(together[0]);
      expect(asks).toHaveBeenCalledTimes(1);

      const sharePoint = await auth.getToken(fresh.urls.mySiteUrl);
      expect(claimsOf(sharePoint).aud).toBe(fresh.urls.mySiteUrl);
      expect(asks).toHaveBeenCalledTimes(2);

      // The emulator's tokens live an hour; MSAL renews in the last 5 minutes, and so does the app.
      const expiresAt = Number(claimsOf(together[0] ?? '').exp) * 1000;
      clock = expiresAt - 4 * 60_000;
      await auth.getToken(graph);
      expect(asks).toHaveBeenCalledTimes(3);
    } finally {
      asks.mockRestore();
    }
  });
});
