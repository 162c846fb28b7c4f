// One typed configuration, read once from app settings (local.settings.json locally, app settings on Azure).
// Handlers never read process.env: they get what they need from `getConfig()` through the composition root.
// Every setting is documented in local.settings.example.json and docs/configuration.md.

import { readFileSync } from 'node:fs';
import {
  ConfigError,
  httpsUrl,
  integer,
  oneOf,
  required,
  withResolvedKeyVaultReferences,
  type Env,
} from './settingReaders';

import { skipRules, type SkipRule, type SkipSettings } from './pipeline/photoChange/worthSyncing';
import { DEFAULT_GRAPH_REQUESTS_PER_MINUTE } from './pipeline/photoChange/reconcilePacing';

export { ConfigError } from './settingReaders';

export type StorageConnectionConfig =
  | { kind: 'connectionString'; connectionString: string }
  | {
      kind: 'identity';
      blobServiceUri: string;
      queueServiceUri: string;
      tableServiceUri: string;
      /** User-assigned managed identity client id; absent means the system-assigned identity. */
      clientId?: string;
    };

/**
 * The storage account of the photos (photos-incoming, -processed, -archive, -rejected), apart from the Functions
 * host's (AzureWebJobsStorage: queues, tables, the host's keys and leases), so that a right on photos, HR's upload
 * right included, never reaches the host's secrets.
 */
export type PhotoStorageConfig =
  | { kind: 'connectionString'; connectionString: string }
  | {
      kind: 'identity';
      blobServiceUri: string;
      /**
       * The blob trigger reports a photo it gave up on to `webjobs-blobtrigger-poison` in this account (the account
       * of the connection), so the host needs its queue endpoint too, and so does the timer that retries them.
       */
      queueServiceUri: string;
      /** User-assigned managed identity client id; absent means the system-assigned identity. */
      clientId?: string;
    };

export type M365Credential =
  { kind: 'certificate'; certificatePem: string; privateKeyPem: string } | { kind: 'secret'; clientSecret: string };

export interface M365Config {
  tenantId: string;
  clientId: string;
  credential: M365Credential;
  /** `https://login.microsoftonline.com` in the cloud; the emulator's HTTPS origin locally. */
  authorityHost: string;
  /** `https://graph.microsoft.com`. */
  graphBaseUrl: string;
  /** `https://{tenant}-my.sharepoint.com`. */
  mySiteUrl: string;
  /** `https://{tenant}-admin.sharepoint.com`. */
  adminSiteUrl: string;
  /** SharePoint asks for `NONISV|{company}|{app}/{version}` so throttling can tell apps apart. */
  userAgent: string;
  /** Upper bound on any one HTTP call; must stay below host.json `functionTimeout`. */
  httpTimeoutMs: number;
  /** SharePoint's per-app budget in resource units per minute (1,200 up to 1,000 licences; 0: headers only). */
  sharePointUnitsPerMinute: number;
}

export interface IngestConfig {
  maxBytes: number;
  maxPixels: number;
  minSide: number;
  crop: 'centre' | 'attention';
  exchangeSize: number;
  sharePointSizes: { small: number; medium: number; large: number };
  jpegQuality: number;
  /** When set, a file name matching this pattern (first capture group, or the whole match) is an employee id. */
  employeeIdPattern?: RegExp;
  /** HEVC HEIC: decoded in a worker thread with these limits, or refused as `unsupported-format` when disabled. */
  heic: { enabled: boolean; timeoutMs: number; maxMemoryMb: number };
  /** A CSV manifest over either limit is rejected as `manifest-too-large` before it is parsed in full. */
  manifest: { maxBytes: number; maxRows: number };
  /** The wait after a parked upload's retry fails again, doubling each time up to 6 hours (retryParkedUploads). */
  parkedRetrySeconds: number;
}

export interface NotificationsConfig {
  /** Public URL of the graphNotifications function, including `?code=` where the function key is needed. */
  url?: string;
  /** Shared secret Graph echoes back in every notification (≤ 128 characters). */
  clientState?: string;
}

export interface ReconcileConfig {
  /** Graph requests a minute reconcile may spend (RECONCILE_GRAPH_REQUESTS_PER_MINUTE); sets its pace and cadence. */
  graphRequestsPerMinute: number;
  skip: SkipSettings;
  /**
   * How long after our own Exchange write Graph may still serve the photo from before it (PHOTO_READ_LAG_MS): a
   * change seen in that window is looked at again after it (docs/notifications.md, "Echo of our own writes").
   */
  photoReadLagMs: number;
}

export interface PhotoSyncConfig {
  storage: StorageConnectionConfig;
  photoStorage: PhotoStorageConfig;
  m365: M365Config;
  ingest: IngestConfig;
  targets: { exchange: boolean; sharePoint: boolean };
  /** `user`: a photo changed in Outlook/Teams propagates to SharePoint. `hr`: the HR photo is put back. */
  photoAuthority: 'user' | 'hr';
  notifications: NotificationsConfig;
  reconcile: ReconcileConfig;
  statusPage: StatusPageConfig;
  /** Object id of the Entra group whose members' photos the pipeline never changes (PROTECTED_ACCOUNTS_GROUP_ID). */
  protectedAccountsGroupId?: string;
  retention: RetentionConfig;
}

export interface RetentionConfig {
  /** Days the stored photos of a person who left the directory are kept before they are deleted (default 30). */
  departedPhotoDays: number;
}

export interface StatusPageConfig {
  /** `easyauth`: App Service Authentication in front, HR group checked (default on Azure); `localhost`: open on loopback. */
  auth: 'easyauth' | 'localhost';
  /** Object id of the HR group whose members may use the status page. */
  hrGroupId?: string;
}

export function loadStorageConfig(settings: Env): StorageConnectionConfig {
  const env = withResolvedKeyVaultReferences(settings);
  const connectionString = env.AzureWebJobsStorage?.trim();
  if (connectionString) return { kind: 'connectionString', connectionString };
  const account = env.AzureWebJobsStorage__accountName?.trim();
  const blob =
    env.AzureWebJobsStorage__blobServiceUri?.trim() || (account && `https://${account}.blob.core.windows.net`);
  const queue =
    env.AzureWebJobsStorage__queueServiceUri?.trim() || (account && `https://${account}.queue.core.windows.net`);
  const table =
    env.AzureWebJobsStorage__tableServiceUri?.trim() || (account && `https://${account}.table.core.windows.net`);
  if (!blob || !queue || !table) {
    throw new ConfigError(
      'AzureWebJobsStorage',
      'is not set. Locally use "UseDevelopmentStorage=true" (Azurite); on Azure set AzureWebJobsStorage__accountName ' +
        '(or the __blobServiceUri, __queueServiceUri and __tableServiceUri settings) with a managed identity.',
    );
  }
  const clientId = env.AzureWebJobsStorage__clientId?.trim();
  return {
    kind: 'identity',
    blobServiceUri: blob,
    queueServiceUri: queue,
    tableServiceUri: table,
    ...(clientId ? { clientId } : {}),
  };
}

/** The `PhotoStorage` connection, as the Functions host reads it for the ingest trigger (docs/configuration.md). */
export function loadPhotoStorageConfig(settings: Env): PhotoStorageConfig {
  const env = withResolvedKeyVaultReferences(settings);
  const connectionString = env.PhotoStorage?.trim();
  if (connectionString) return { kind: 'connectionString', connectionString };
  const account = env.PhotoStorage__accountName?.trim();
  const blob = env.PhotoStorage__blobServiceUri?.trim() || (account && `https://${account}.blob.core.windows.net`);
  // The queue endpoint beside a standard blob endpoint (https://{account}.blob.{suffix}) when it is not given.
  const queue =
    env.PhotoStorage__queueServiceUri?.trim() ||
    (account && `https://${account}.queue.core.windows.net`) ||
    (blob && /^https:\/\/[a-z0-9]+\.blob\./.test(blob) ? blob.replace('.blob.', '.queue.') : '');
  if (!blob) {
    throw new ConfigError(
      'PhotoStorage',
      'is not set. Locally use "UseDevelopmentStorage=true" (Azurite); on Azure set PhotoStorage__blobServiceUri ' +
        '(or PhotoStorage__accountName) with PhotoStorage__credential=managedidentity: the photos storage account, ' +
        'not the one AzureWebJobsStorage names.',
    );
  }
  if (!queue) {
    throw new ConfigError(
      'PhotoStorage__queueServiceUri',
      'is not set: the photos account queue endpoint, where the ingest trigger reports photos it gave up on ' +
        '(webjobs-blobtrigger-poison).',
    );
  }
  const clientId = env.PhotoStorage__clientId?.trim();
  return { kind: 'identity', blobServiceUri: blob, queueServiceUri: queue, ...(clientId ? { clientId } : {}) };
}

function loadCredential(env: Env): M365Credential {
  const pem = env.M365_CLIENT_CERTIFICATE?.trim();
  const pemPath = env.M365_CLIENT_CERTIFICATE_PATH?.trim();
  if (pem || pemPath) {
    const name = pem ? 'M365_CLIENT_CERTIFICATE' : 'M365_CLIENT_CERTIFICATE_PATH';
    let text: string;
    try {
      text = pem ?? readFileSync(pemPath as string, 'utf8');
    } catch (error) {
      throw new ConfigError(name, `cannot read the certificate file: ${(error as Error).message}`);
    }
    const certificate = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
    const key = text.match(/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/);
    if (!certificate || !key) {
      // Never echo the value: it holds a private key.
      throw new ConfigError(name, 'must be PEM text holding both the certificate and its unencrypted private key.');
    }
    return { kind: 'certificate', certificatePem: certificate[0], privateKeyPem: key[0] };
  }
  const clientSecret = env.M365_CLIENT_SECRET?.trim();
  if (clientSecret) return { kind: 'secret', clientSecret };
  throw new ConfigError(
    'M365_CLIENT_CERTIFICATE',
    'no credential for the Entra app. Set M365_CLIENT_CERTIFICATE (PEM, e.g. a Key Vault reference) or ' +
      'M365_CLIENT_CERTIFICATE_PATH; M365_CLIENT_SECRET works for Graph only (SharePoint app-only needs a certificate).',
  );
}

function userAgentCompany(env: Env): string {
  const company = env.USER_AGENT_COMPANY?.trim() || 'Contoso';
  // One field of `NONISV|{company}|{app}/{version}`: a "|" would shift the fields SharePoint reads, and fetch
  // refuses a header value outside printable ASCII on every request.
  if (!/^[\x20-\x7e]+$/.test(company) || company.includes('|')) {
    throw new ConfigError('USER_AGENT_COMPANY', 'expected a company name in printable ASCII, without "|".');
  }
  return company;
}

export function loadM365Config(settings: Env): M365Config {
  const env = withResolvedKeyVaultReferences(settings);
  const tenantId = required(env, 'M365_TENANT_ID', 'The Entra tenant id (a GUID) or its primary domain.');
  return {
    tenantId,
    clientId: required(env, 'M365_CLIENT_ID', 'The application (client) id of the Entra app registration.'),
    credential: loadCredential(env),
    authorityHost: httpsUrl(env, 'M365_AUTHORITY_HOST', 'https://login.microsoftonline.com'),
    graphBaseUrl: httpsUrl(env, 'GRAPH_BASE_URL', 'https://graph.microsoft.com'),
    mySiteUrl: httpsUrl(env, 'SHAREPOINT_MYSITE_URL'),
    adminSiteUrl: httpsUrl(env, 'SHAREPOINT_ADMIN_URL'),
    userAgent: `NONISV|${userAgentCompany(env)}|M365PhotoSync/0.1.0`,
    httpTimeoutMs: integer(env, 'M365_HTTP_TIMEOUT_MS', 30_000, 1_000, 240_000),
    sharePointUnitsPerMinute: integer(env, 'SHAREPOINT_RESOURCE_UNITS_PER_MINUTE', 1_200, 0, 1_000_000),
  };
}

function parseSizes(env: Env): IngestConfig['sharePointSizes'] {
  const raw = env.SHAREPOINT_THUMBNAIL_SIZES?.trim();
  if (!raw) return { small: 48, medium: 72, large: 200 };
  const parts = raw.split(',').map((s) => Number(s.trim()));
  const [small, medium, large] = parts;
  if (
    parts.length !== 3 ||
    small === undefined ||
    medium === undefined ||
    large === undefined ||
    !parts.every((n) => Number.isInteger(n) && n >= 16 && n <= 648) ||
    !(small < medium && medium < large)
  ) {
    throw new ConfigError(
      'SHAREPOINT_THUMBNAIL_SIZES',
      `expected three increasing sizes in pixels such as "48,72,200", received "${raw}".`,
    );
  }
  return { small, medium, large };
}

export function loadIngestConfig(settings: Env): IngestConfig {
  const env = withResolvedKeyVaultReferences(settings);
  const patternText = env.EMPLOYEE_ID_PATTERN?.trim();
  let employeeIdPattern: RegExp | undefined;
  if (patternText) {
    try {
      employeeIdPattern = new RegExp(`^(?:${patternText})$`);
    } catch (error) {
      throw new ConfigError('EMPLOYEE_ID_PATTERN', `is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  return {
    maxBytes: integer(env, 'INGEST_MAX_BYTES', 50 * 1024 * 1024, 1024, 200 * 1024 * 1024),
    maxPixels: integer(env, 'INGEST_MAX_PIXELS', 50_000_000, 10_000, 268_402_689),
    minSide: integer(env, 'INGEST_MIN_SIDE', 96, 1, 4096),
    crop: oneOf(env, 'INGEST_CROP', ['centre', 'attention'] as const, 'centre'),
    exchangeSize: integer(env, 'EXCHANGE_PHOTO_SIZE', 648, 48, 648),
    sharePointSizes: parseSizes(env),
    jpegQuality: integer(env, 'JPEG_QUALITY', 90, 50, 100),
    heic: {
      enabled: oneOf(env, 'INGEST_HEIC', ['on', 'off'] as const, 'on') === 'on',
      timeoutMs: integer(env, 'INGEST_HEIC_TIMEOUT_MS', 20_000, 1_000, 120_000),
      maxMemoryMb: integer(env, 'INGEST_HEIC_MAX_MEMORY_MB', 512, 64, 4_096),
    },
    manifest: {
      maxBytes: integer(env, 'INGEST_MANIFEST_MAX_BYTES', 2 * 1024 * 1024, 1024, 50 * 1024 * 1024),
      maxRows: integer(env, 'INGEST_MANIFEST_MAX_ROWS', 20_000, 1, 1_000_000),
    },
    parkedRetrySeconds: integer(env, 'INGEST_PARKED_RETRY_SECONDS', 300, 1, 6 * 60 * 60),
    ...(employeeIdPattern ? { employeeIdPattern } : {}),
  };
}

export function loadTargets(settings: Env): PhotoSyncConfig['targets'] {
  const env = withResolvedKeyVaultReferences(settings);
  const raw = env.SYNC_TARGETS?.trim().toLowerCase() || 'exchange,sharepoint';
  const names = raw.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => n !== 'exchange' && n !== 'sharepoint');
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigError('SYNC_TARGETS', `expected a list of exchange and/or sharepoint, received "${raw}".`);
  }
  return { exchange: names.includes('exchange'), sharePoint: names.includes('sharepoint') };
}

export function loadStatusPageConfig(settings: Env): StatusPageConfig {
  const env = withResolvedKeyVaultReferences(settings);
  // App Service (and so Azure Functions) sets WEBSITE_INSTANCE_ID on every instance: there, sign-in is the default.
  const onAzure = Boolean(env.WEBSITE_INSTANCE_ID?.trim());
  const auth = oneOf(env, 'STATUS_PAGE_AUTH', ['easyauth', 'localhost'] as const, onAzure ? 'easyauth' : 'localhost');
  if (auth === 'localhost' && onAzure) {
    throw new ConfigError('STATUS_PAGE_AUTH', 'localhost is for a developer machine; on Azure use easyauth.');
  }
  const hrGroupId = env.HR_GROUP_ID?.trim();
  return { auth, ...(hrGroupId ? { hrGroupId } : {}) };
}

export function loadProtectedAccountsGroupId(settings: Env): string | undefined {
  const env = withResolvedKeyVaultReferences(settings);
  const groupId = env.PROTECTED_ACCOUNTS_GROUP_ID?.trim();
  if (!groupId) return undefined;
  // Checked here, not at the first photo: a group name or a typo would otherwise protect nobody without a word.
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(groupId)) {
    throw new ConfigError(
      'PROTECTED_ACCOUNTS_GROUP_ID',
      `expected the object id (a GUID) of an Entra security group, received "${groupId}".`,
    );
  }
  return groupId.toLowerCase();
}

export function loadReconcileConfig(settings: Env): ReconcileConfig {
  const env = withResolvedKeyVaultReferences(settings);
  const rawSkip = env.RECONCILE_SKIP?.trim().toLowerCase();
  const names = rawSkip === undefined || rawSkip === '' ? [...skipRules] : rawSkip === 'none' ? [] : rawSkip.split(',');
  const rules = names.map((n) => n.trim()).filter(Boolean);
  const unknown = rules.filter((n) => !skipRules.includes(n as SkipRule));
  if (unknown.length > 0) {
    throw new ConfigError(
      'RECONCILE_SKIP',
      `expected "none" or a list of ${skipRules.join(', ')}, received "${env.RECONCILE_SKIP ?? ''}".`,
    );
  }
  const patternText = env.RECONCILE_SKIP_UPN_PATTERN?.trim();
  let upnPattern: RegExp | undefined;
  if (patternText) {
    try {
      upnPattern = new RegExp(patternText, 'i');
    } catch (error) {
      throw new ConfigError(
        'RECONCILE_SKIP_UPN_PATTERN',
        `is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  }
  return {
    graphRequestsPerMinute: integer(
      env,
      'RECONCILE_GRAPH_REQUESTS_PER_MINUTE',
      DEFAULT_GRAPH_REQUESTS_PER_MINUTE,
      600,
      100_000,
    ),
    skip: { rules: rules as SkipRule[], ...(upnPattern ? { upnPattern } : {}) },
    photoReadLagMs: integer(env, 'PHOTO_READ_LAG_MS', 120_000, 0, 24 * 3_600_000),
  };
}

export function loadConfig(settings: Env): PhotoSyncConfig {
  const env = withResolvedKeyVaultReferences(settings);
  const clientState = env.NOTIFICATION_CLIENT_STATE?.trim();
  if (clientState && clientState.length > 128) {
    throw new ConfigError('NOTIFICATION_CLIENT_STATE', 'Graph accepts at most 128 characters.');
  }
  const url = env.NOTIFICATION_URL?.trim();
  const protectedAccountsGroupId = loadProtectedAccountsGroupId(env);
  return {
    storage: loadStorageConfig(env),
    photoStorage: loadPhotoStorageConfig(env),
    m365: loadM365Config(env),
    ingest: loadIngestConfig(env),
    targets: loadTargets(env),
    photoAuthority: oneOf(env, 'PHOTO_AUTHORITY', ['user', 'hr'] as const, 'user'),
    notifications: { ...(url ? { url } : {}), ...(clientState ? { clientState } : {}) },
    reconcile: loadReconcileConfig(env),
    statusPage: loadStatusPageConfig(env),
    ...(protectedAccountsGroupId ? { protectedAccountsGroupId } : {}),
    // 30 by default: as long as Entra keeps a deleted user restorable, so a mistaken deletion costs no photos.
    retention: { departedPhotoDays: integer(env, 'DEPARTED_PHOTO_RETENTION_DAYS', 30, 0, 3650) },
  };
}

let cached: PhotoSyncConfig | undefined;

/** The process-wide configuration, read from app settings on first use. */
export function getConfig(): PhotoSyncConfig {
  cached ??= loadConfig(process.env);
  return cached;
}
