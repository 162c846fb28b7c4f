import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import {
  ConfigError,
  loadConfig,
  loadReconcileConfig,
  loadIngestConfig,
  loadM365Config,
  loadTargets,
} from '../../src/config';

/** The smallest set of app settings loadConfig accepts (a client secret: no key material needed). */
const minimal: Record<string, string> = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  PhotoStorage: 'UseDevelopmentStorage=true',
  M365_TENANT_ID: 'contoso.onmicrosoft.com',
  M365_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  M365_CLIENT_SECRET: 'client-secret-value',
  SHAREPOINT_MYSITE_URL: 'https://contoso-my.sharepoint.com',
  SHAREPOINT_ADMIN_URL: 'https://contoso-admin.sharepoint.com',
};

const unresolvedReference =
  '@Microsoft.KeyVault(SecretUri=https://kv-photosync-prod.vault.azure.net/secrets/m365-client-certificate/)';

/** The ConfigError `load` throws (fails the test when it throws nothing or something else). */
function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the settings were accepted');
}

function privateKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

/** The base64 lines of a PEM block: the key material itself. */
function pemBody(pem: string): string[] {
  return pem.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));
}

describe('loadConfig', () => {
  it("needs the photos' own storage account, and says how to name it locally and on Azure", () => {
    const { PhotoStorage: _photos, ...withoutPhotos } = minimal;
    const error = configErrorOf(() => loadConfig(withoutPhotos));
    expect(error.setting).toBe('PhotoStorage');
    expect(error.message).toMatch(/UseDevelopmentStorage=true.*PhotoStorage__blobServiceUri/s);
    const onAzure = loadConfig({
      ...withoutPhotos,
      PhotoStorage__blobServiceUri: 'https://stphotosabc.blob.core.windows.net/',
      PhotoStorage__clientId: 'c1',
    });
    expect(onAzure.photoStorage).toEqual({
      kind: 'identity',
      blobServiceUri: 'https://stphotosabc.blob.core.windows.net/',
      // Derived from the blob endpoint: the ingest trigger's poison queue is in the photos account.
      queueServiceUri: 'https://stphotosabc.queue.core.windows.net/',
      clientId: 'c1',
    });
    const customEndpoint = { ...withoutPhotos, PhotoStorage__blobServiceUri: 'https://photos.example.net/' };
    expect(configErrorOf(() => loadConfig(customEndpoint)).setting).toBe('PhotoStorage__queueServiceUri');
    expect(
      loadConfig({ ...customEndpoint, PhotoStorage__queueServiceUri: 'https://queues.example.net/' }).photoStorage,
    ).toMatchObject({ queueServiceUri: 'https://queues.example.net/' });
  });

  it('reads PROTECTED_ACCOUNTS_GROUP_ID as a group object id and refuses anything else', () => {
    const groupId = 'B7C8D9E0-0000-4000-8000-00000000AAAA';
    expect(loadConfig({ ...minimal, PROTECTED_ACCOUNTS_GROUP_ID: groupId }).protectedAccountsGroupId).toBe(
      groupId.toLowerCase(),
    );
    expect(loadConfig(minimal).protectedAccountsGroupId).toBeUndefined();
    const error = configErrorOf(() => loadConfig({ ...minimal, PROTECTED_ACCOUNTS_GROUP_ID: 'Executives' }));
    expect(error.setting).toBe('PROTECTED_ACCOUNTS_GROUP_ID');
  });

  it('fills the documented defaults from the smallest set of settings', () => {
    const config = loadConfig(minimal);
    expect(config.storage).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
    expect(config.photoStorage).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
    expect(config.m365).toMatchObject({
      authorityHost: 'https://login.microsoftonline.com',
      graphBaseUrl: 'https://graph.microsoft.com',
      credential: { kind: 'secret', clientSecret: 'client-secret-value' },
      httpTimeoutMs: 30_000,
    });
    expect(config.m365.userAgent).toMatch(/^NONISV\|Contoso\|M365PhotoSync\/\d+\.\d+\.\d+$/);
    expect(config.ingest.sharePointSizes).toEqual({ small: 48, medium: 72, large: 200 });
    expect(config.targets).toEqual({ exchange: true, sharePoint: true });
    expect(config.photoAuthority).toBe('user');
  });

  it('puts the company from USER_AGENT_COMPANY into the SharePoint User-Agent', () => {
    const config = loadConfig({ ...minimal, USER_AGENT_COMPANY: 'Fabrikam' });
    expect(config.m365.userAgent).toMatch(/^NONISV\|Fabrikam\|M365PhotoSync\//);
  });

  it.each(['Fabrikam|Evil', 'Fabrikam\r\nX-Injected: 1', 'Société Générale'])(
    'rejects a USER_AGENT_COMPANY that would break the User-Agent header: %j',
    (company) => {
      expect(configErrorOf(() => loadConfig({ ...minimal, USER_AGENT_COMPANY: company })).setting).toBe(
        'USER_AGENT_COMPANY',
      );
    },
  );

  it('names M365_TENANT_ID and what it should hold when the tenant id is missing', () => {
    const error = configErrorOf(() => loadConfig({ ...minimal, M365_TENANT_ID: '  ' }));
    expect(error.setting).toBe('M365_TENANT_ID');
    expect(error.message).toBe('M365_TENANT_ID: is not set. The Entra tenant id (a GUID) or its primary domain.');
    expect(error).toMatchObject({ code: 'config-invalid', retryable: false });
  });

  it.each(['M365_AUTHORITY_HOST', 'GRAPH_BASE_URL', 'SHAREPOINT_MYSITE_URL'])(
    'rejects a non-https %s, because bearer tokens must not travel in clear text',
    (setting) => {
      const error = configErrorOf(() => loadConfig({ ...minimal, [setting]: 'http://localhost:8443' }));
      expect(error.setting).toBe(setting);
      expect(error.message).toContain('must be an https:// URL');
    },
  );

  it('keeps only the origin of a service URL', () => {
    const config = loadConfig({ ...minimal, M365_AUTHORITY_HOST: 'https://localhost:8443/some/path?x=1' });
    expect(config.m365.authorityHost).toBe('https://localhost:8443');
  });

  it('refuses a clientState longer than the 128 characters Graph accepts', () => {
    const error = configErrorOf(() => loadConfig({ ...minimal, NOTIFICATION_CLIENT_STATE: 'x'.repeat(129) }));
    expect(error.setting).toBe('NOTIFICATION_CLIENT_STATE');
  });
});

describe('unresolved Key Vault references', () => {
  it.each([
    ['M365_CLIENT_SECRET', unresolvedReference],
    ['M365_CLIENT_CERTIFICATE', unresolvedReference],
    ['AzureWebJobsStorage', unresolvedReference],
    ['NOTIFICATION_CLIENT_STATE', '@Microsoft.KeyVault(VaultName=kv-photosync-prod;SecretName=client-state)'],
    ['PHOTO_AUTHORITY', ' @microsoft.keyvault(SecretUri=https://kv-photosync-prod.vault.azure.net/secrets/a/)'],
  ])('rejects %s when its value is still the reference, naming the setting and the likely causes', (setting, value) => {
    const error = configErrorOf(() => loadConfig({ ...minimal, [setting]: value }));
    expect(error.setting).toBe(setting);
    expect(error.message.startsWith(`${setting}: is a Key Vault reference Azure could not resolve`)).toBe(true);
    expect(error.message).toContain('the secret is missing');
    expect(error.message).toContain('Key Vault Secrets User');
    // The reference names the vault and the secret: the message does not repeat any of it.
    expect(error.message).not.toMatch(/kv-photosync-prod|SecretUri|SecretName|client-state|vault\.azure\.net/);
  });

  it('is checked by the loaders the doctor calls on their own too', () => {
    expect(configErrorOf(() => loadM365Config({ ...minimal, M365_CLIENT_ID: unresolvedReference })).setting).toBe(
      'M365_CLIENT_ID',
    );
    expect(configErrorOf(() => loadTargets({ SYNC_TARGETS: unresolvedReference })).setting).toBe('SYNC_TARGETS');
    expect(configErrorOf(() => loadIngestConfig({ JPEG_QUALITY: unresolvedReference })).setting).toBe('JPEG_QUALITY');
  });

  it('ignores settings the app does not read, and values that merely mention Key Vault', () => {
    const config = loadConfig({
      ...minimal,
      SOME_OTHER_APP_SETTING: unresolvedReference,
      M365_CLIENT_SECRET: 'resolved-secret-not-@Microsoft.KeyVault(',
    });
    expect(config.m365.credential).toEqual({
      kind: 'secret',
      clientSecret: 'resolved-secret-not-@Microsoft.KeyVault(',
    });
  });
});

describe('SHAREPOINT_THUMBNAIL_SIZES', () => {
  it('reads three increasing sizes, spaces allowed', () => {
    expect(loadIngestConfig({ SHAREPOINT_THUMBNAIL_SIZES: ' 32, 64 ,128 ' }).sharePointSizes).toEqual({
      small: 32,
      medium: 64,
      large: 128,
    });
  });

  it.each(['72,48,200', '48,72', '48,72,200,300', '8,72,200', '48,72,700', '48,72.5,200', 'small,medium,large'])(
    'rejects "%s" and shows the expected form',
    (raw) => {
      const error = configErrorOf(() => loadIngestConfig({ SHAREPOINT_THUMBNAIL_SIZES: raw }));
      expect(error.setting).toBe('SHAREPOINT_THUMBNAIL_SIZES');
      expect(error.message).toContain('"48,72,200"');
    },
  );
});

describe('SYNC_TARGETS', () => {
  it.each([
    ['exchange', { exchange: true, sharePoint: false }],
    ['SharePoint', { exchange: false, sharePoint: true }],
    [' sharepoint , exchange ', { exchange: true, sharePoint: true }],
    ['', { exchange: true, sharePoint: true }],
  ])('reads "%s"', (raw, expected) => {
    expect(loadTargets({ SYNC_TARGETS: raw })).toEqual(expected);
  });

  it.each(['exchange,teams', 'exchange,,sharepoint', 'onedrive'])('rejects "%s"', (raw) => {
    expect(configErrorOf(() => loadTargets({ SYNC_TARGETS: raw })).setting).toBe('SYNC_TARGETS');
  });
});

describe('the M365 certificate credential', () => {
  let certificatePem: string;
  let keyPem: string;
  let dir: string;

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'photo-sync-config-test' }], { keySize: 2048 });
    certificatePem = pems.cert;
    keyPem = pems.private;
    dir = mkdtempSync(path.join(tmpdir(), 'config-test-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the certificate and its key out of one PEM value, whatever surrounds them', () => {
    const { credential } = loadM365Config({
      ...minimal,
      M365_CLIENT_SECRET: '',
      M365_CLIENT_CERTIFICATE: `Bag Attributes: x\n${keyPem}\n${certificatePem}\n`,
    });
    expect(credential).toEqual({
      kind: 'certificate',
      certificatePem: certificatePem.trim(),
      privateKeyPem: keyPem.trim(),
    });
  });

  it('prefers the certificate over a client secret, and reads it from M365_CLIENT_CERTIFICATE_PATH', () => {
    const file = path.join(dir, 'app.pem');
    writeFileSync(file, `${certificatePem}\n${keyPem}`);
    const { credential } = loadM365Config({ ...minimal, M365_CLIENT_CERTIFICATE_PATH: file });
    expect(credential.kind).toBe('certificate');
  });

  it('rejects a PEM value without a certificate and never repeats the key material', () => {
    const key = privateKeyPem();
    const error = configErrorOf(() => loadM365Config({ ...minimal, M365_CLIENT_CERTIFICATE: key }));
    expect(error.setting).toBe('M365_CLIENT_CERTIFICATE');
    expect(error.message).toContain('must be PEM text holding both the certificate and its unencrypted private key');
    for (const line of pemBody(key)) expect(error.message).not.toContain(line);
  });

  it('rejects an encrypted private key and never repeats it', () => {
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass' })
      .toString();
    const error = configErrorOf(() =>
      loadM365Config({ ...minimal, M365_CLIENT_CERTIFICATE: `${certificatePem}\n${encrypted}` }),
    );
    expect(error.setting).toBe('M365_CLIENT_CERTIFICATE');
    for (const line of [...pemBody(encrypted), ...pemBody(certificatePem)]) expect(error.message).not.toContain(line);
  });

  it('names M365_CLIENT_CERTIFICATE_PATH when the file cannot be read', () => {
    const error = configErrorOf(() =>
      loadM365Config({ ...minimal, M365_CLIENT_CERTIFICATE_PATH: path.join(dir, 'missing.pem') }),
    );
    expect(error.setting).toBe('M365_CLIENT_CERTIFICATE_PATH');
    expect(error.message).toContain('cannot read the certificate file');
  });

  it('explains that SharePoint needs a certificate when no credential is set at all', () => {
    const error = configErrorOf(() => loadM365Config({ ...minimal, M365_CLIENT_SECRET: '' }));
    expect(error.setting).toBe('M365_CLIENT_CERTIFICATE');
    expect(error.message).toContain('SharePoint app-only needs a certificate');
  });
});

describe('input limits', () => {
  it('has HEIC on and manifest limits by default, and names a bad value', () => {
    expect(loadIngestConfig({})).toMatchObject({
      heic: { enabled: true, timeoutMs: 20_000, maxMemoryMb: 512 },
      manifest: { maxBytes: 2 * 1024 * 1024, maxRows: 20_000 },
    });
    expect(loadIngestConfig({ INGEST_HEIC: 'OFF' }).heic.enabled).toBe(false);
    expect(() => loadIngestConfig({ INGEST_HEIC: 'maybe' })).toThrow(/INGEST_HEIC: expected one of on, off/);
    expect(() => loadIngestConfig({ INGEST_MANIFEST_MAX_ROWS: '0' })).toThrow(/INGEST_MANIFEST_MAX_ROWS/);
  });
});

describe('reconcile settings', () => {
  it('default to a 12,000 requests/min budget, skipping guests, disabled and unlicensed accounts, a 2-minute window', () => {
    expect(loadReconcileConfig({})).toEqual({
      graphRequestsPerMinute: 12_000,
      skip: { rules: ['guests', 'disabled', 'unlicensed'] },
      photoReadLagMs: 120_000,
    });
  });

  it('read "none", a subset in any case, and a UPN pattern', () => {
    expect(loadReconcileConfig({ RECONCILE_SKIP: 'none' }).skip.rules).toEqual([]);
    const config = loadReconcileConfig({ RECONCILE_SKIP: 'Guests, disabled', RECONCILE_SKIP_UPN_PATTERN: '^mtr-' });
    expect(config.skip.rules).toEqual(['guests', 'disabled']);
    expect(config.skip.upnPattern?.test('MTR-boardroom@contoso.com')).toBe(true);
  });

  it('name the setting when a value is wrong', () => {
    expect(() => loadReconcileConfig({ RECONCILE_SKIP: 'guests,rooms' })).toThrow(/RECONCILE_SKIP.*rooms/);
    expect(() => loadReconcileConfig({ RECONCILE_SKIP_UPN_PATTERN: '(' })).toThrow(/RECONCILE_SKIP_UPN_PATTERN/);
    expect(() => loadReconcileConfig({ RECONCILE_GRAPH_REQUESTS_PER_MINUTE: '10' })).toThrow(
      /RECONCILE_GRAPH_REQUESTS_PER_MINUTE/,
    );
  });
});
