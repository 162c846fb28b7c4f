// The whole local stack behind `npm start` and the integration tests: Azurite, the Microsoft 365 emulator (unless
// a real tenant is configured), storage provisioning, app settings pointing at both, and the Functions host.

import { ingestMaxBytesOf } from './ingestMaxBytesOf';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite, type Azurite } from './azurite';
import { ensureDevCertificateAuthority } from './devCertificates';
import type { M365Emulator, startM365Emulator } from './m365-emulator';
import { provisionStorage } from './provisionStorage';
import { LocalFunctionsHost, type LocalFunctionsHostOptions } from './runtime/LocalFunctionsHost';
import { writeLocalSettingsFile } from './writeLocalSettingsFile';
import { writePrivateFile } from './writePrivateFile';

export type M365EmulatorOptions = NonNullable<Parameters<typeof startM365Emulator>[0]>;

export interface LocalStackOptions {
  /** `default`: Azurite 10000-10002, Functions 7071, emulator 8443-8446. `ephemeral`: free ports (tests). */
  ports?: 'default' | 'ephemeral';
  /** `memory` (tests) or `disk` (Azurite data in `{stateDir}/azurite`). */
  persistence?: 'disk' | 'memory';
  /** Git-ignored folder for Azurite data, the app's PEM and endpoints.json; default a temp dir removed on stop. */
  stateDir?: string;
  functionModules?: string[];
  /** Applied last: overrides every setting the stack builds. */
  extraSettings?: Record<string, string>;
  /** Options for startM365Emulator; `false` runs without it (storage-only tests). */
  emulator?: M365EmulatorOptions | false;
  /** M365_* settings come from `extraSettings` (a real tenant): the emulator is not started. */
  realTenant?: boolean;
  /** Passed through to LocalFunctionsHost (hostJsonPath, pollIntervalMs, logger, hostId…). */
  host?: Omit<LocalFunctionsHostOptions, 'appSettings' | 'functionModules' | 'httpPort'>;
  /**
   * Write `{stateDir}/endpoints.json` describing the running stack, and `{stateDir}/local.settings.json` with the
   * app settings the host runs with (removed on stop), for `npm run doctor:local` (npm start).
   */
  writeEndpoints?: boolean;
}

export interface LocalStack {
  settings: Record<string, string>;
  storageConnectionString: string;
  azurite: Azurite;
  emulator: M365Emulator;
  host: LocalFunctionsHost;
  stateDir: string;
  stop(): Promise<void>;
}

export type StorageOnlyStack = Omit<LocalStack, 'emulator'> & { emulator: undefined };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startEmulator(options: M365EmulatorOptions, ports: 'default' | 'ephemeral'): Promise<M365Emulator> {
  // Loaded on demand so storage-only stacks never touch the emulator's code.
  const { startM365Emulator: start } = await import('./m365-emulator');
  const defaults =
    ports === 'default'
      ? { login: 8443, graph: 8444, mySite: 8445, admin: 8446 }
      : { login: 0, graph: 0, mySite: 0, admin: 0 };
  return start({
    certificateAuthority: ensureDevCertificateAuthority(),
    seed: 'demo',
    ...options,
    ports: { ...defaults, ...options.ports },
  });
}

/**
 * The app settings read as a host's process starts rather than by the app, as infra sets them (docs/configuration.md,
 * "Memory"); they take effect in the instances started as processes of their own (npm start -- --instances N, the
 * benchmarks, the soak).
 */
export const processSettings: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  NODE_OPTIONS: '--max-old-space-size=192',
};

export function emulatorSettings(emulator: M365Emulator, stateDir: string): Record<string, string> {
  const app = emulator.apps.photoSync;
  // The app's certificate and key, as a PEM file the way operators provide it (never written into the repo).
  const pemPath = path.join(stateDir, 'photo-sync-app.pem');
  writePrivateFile(pemPath, `${app.certificatePem.trim()}\n${app.privateKeyPem.trim()}\n`);
  return {
    M365_TENANT_ID: emulator.tenantId,
    M365_CLIENT_ID: app.clientId,
    M365_CLIENT_CERTIFICATE_PATH: pemPath,
    M365_AUTHORITY_HOST: emulator.urls.authorityHost,
    GRAPH_BASE_URL: emulator.urls.graphBaseUrl,
    SHAREPOINT_MYSITE_URL: emulator.urls.mySiteUrl,
    SHAREPOINT_ADMIN_URL: emulator.urls.adminSiteUrl,
  };
}

export function startLocalStack(options: LocalStackOptions & { emulator: false }): Promise<StorageOnlyStack>;
export function startLocalStack(options?: LocalStackOptions): Promise<LocalStack>;
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack | StorageOnlyStack> {
  const ports = options.ports ?? 'ephemeral';
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(path.join(tmpdir(), 'photo-sync-stack-'));
  mkdirSync(stateDir, { recursive: true });
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(error));
    cleanup.length = 0;
    if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const azurite = await startAzurite({
      ports,
      persistence: options.persistence === 'disk' ? { location: path.join(stateDir, 'azurite') } : 'memory',
    });
    cleanup.push(() => azurite.stop());
    await provisionStorage(azurite.connectionString);

    const useEmulator = options.emulator !== false && !options.realTenant;
    const emulator = useEmulator ? await startEmulator(options.emulator || {}, ports) : undefined;
    if (emulator) cleanup.push(() => emulator.close());

    const httpPort = ports === 'default' ? 7071 : await freePort();
    const settings: Record<string, string> = {
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsFeatureFlags: 'EnableWorkerIndexing',
      AzureWebJobsStorage: azurite.connectionString,
      // One Azurite plays both accounts locally: the host's and the photos'.
      PhotoStorage: azurite.connectionString,
      ...(emulator ? emulatorSettings(emulator, stateDir) : {}),
      NOTIFICATION_URL: `http://localhost:${httpPort}/api/notifications`,
      NOTIFICATION_CLIENT_STATE: randomBytes(32).toString('base64url'),
      ...processSettings,
      ...options.extraSettings,
    };
    const host = await LocalFunctionsHost.start({
      // As deployed: the Event Grid subscription passes only uploads up to INGEST_MAX_BYTES to the blob trigger.
      blobMaxContentLength: ingestMaxBytesOf(settings),
      ...options.host,
      appSettings: settings,
      httpPort,
      ...(options.functionModules ? { functionModules: options.functionModules } : {}),
    });
    cleanup.push(() => host.stop());
    if (options.writeEndpoints) {
      writeEndpointsFile({ stateDir, settings, host, azurite, emulator });
      cleanup.push(writeLocalSettingsFile(path.join(stateDir, 'local.settings.json'), settings));
    }
    return {
      settings,
      storageConnectionString: azurite.connectionString,
      azurite,
      emulator,
      host,
      stateDir,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function writeEndpointsFile(stack: {
  stateDir: string;
  settings: Record<string, string>;
  host: LocalFunctionsHost;
  azurite: Azurite;
  emulator: M365Emulator | undefined;
}): void {
  const { emulator } = stack;
  const endpoints = {
    storageConnectionString: stack.azurite.connectionString,
    functionsBaseUrl: stack.host.httpBaseUrl,
    functions: stack.host.functions,
    tenantId: stack.settings.M365_TENANT_ID,
    authorityHost: stack.settings.M365_AUTHORITY_HOST,
    graphBaseUrl: stack.settings.GRAPH_BASE_URL,
    sharePoint: { mySiteUrl: stack.settings.SHAREPOINT_MYSITE_URL, adminSiteUrl: stack.settings.SHAREPOINT_ADMIN_URL },
    ...(emulator
      ? {
          emulator: true,
          demoApp: { clientId: emulator.apps.photoSync.clientId, clientSecret: emulator.apps.photoSync.clientSecret },
          demoUsers: emulator.users,
          caCertificatePath: ensureDevCertificateAuthority().certPath,
        }
      : { emulator: false }),
  };
  writePrivateFile(path.join(stack.stateDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
}
