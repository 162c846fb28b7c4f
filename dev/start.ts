// `npm start`: the whole pipeline on this machine. Azurite (data in .local/azurite), the Microsoft 365 emulator
// (unless local.settings.json names a real tenant), the storage the app needs, and the app's own compiled
// `app.*` registrations (dist/src/functions/*.js) on the local Functions host at http://localhost:7071/api.
// `npm start -- --instances 3` adds instances as separate processes on the same storage (ports 7072…), as Flex
// Consumption scales a Function App out.

import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { HostInstanceProcess } from './instances/HostInstanceProcess';
import { startHostInstances } from './instances/startHostInstances';
import { readLocalSettings } from './runtime/appSettings';
import { createConsoleHostLogger } from './runtime/HostLogger';
import { startLocalStack, type LocalStack, type StorageOnlyStack } from './localStack';

/** The stack's own Azurite plays both storage accounts; local.settings.json never points them elsewhere. */
const stackStorage = ['AzureWebJobsStorage', 'PhotoStorage'];

const emulatorOwned = [
  'AzureWebJobsStorage',
  'PhotoStorage',
  'M365_TENANT_ID',
  'M365_CLIENT_ID',
  'M365_CLIENT_CERTIFICATE',
  'M365_CLIENT_CERTIFICATE_PATH',
  'M365_CLIENT_SECRET',
  'M365_AUTHORITY_HOST',
  'GRAPH_BASE_URL',
  'SHAREPOINT_MYSITE_URL',
  'SHAREPOINT_ADMIN_URL',
  'NOTIFICATION_URL',
  'NOTIFICATION_CLIENT_STATE',
];

const isPlaceholder = (value: string | undefined): boolean => !value?.trim() || /^<.*>$/.test(value.trim());

/** A tenant id and client id that are not the example's placeholders, and an authority that is not this machine. */
export function isRealTenantConfigured(values: Record<string, string>): boolean {
  const authority = values.M365_AUTHORITY_HOST ?? 'https://login.microsoftonline.com';
  return (
    !isPlaceholder(values.M365_TENANT_ID) &&
    !isPlaceholder(values.M365_CLIENT_ID) &&
    !/\/\/(localhost|127\.0\.0\.1)\b/.test(authority)
  );
}

/** local.settings.json Values to apply on top of the stack's own settings. */
export function settingsFromLocalSettings(values: Record<string, string>, realTenant: boolean): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (isPlaceholder(value) || stackStorage.includes(key)) continue;
    if (!realTenant && emulatorOwned.includes(key)) continue;
    kept[key] = value;
  }
  return kept;
}

function printBanner(stack: LocalStack | StorageOnlyStack, stateDir: string): void {
  const { host, azurite, emulator, settings } = stack;
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const lines = ['', 'Photo sync is running on this machine.', ''];
  lines.push(
    `  Functions   ${host.httpBaseUrl}  (${host.functions.length} function${host.functions.length === 1 ? '' : 's'})`,
  );
  for (const fn of host.functions)
    lines.push(`                ${fn.name.padEnd(24)} ${fn.trigger.padEnd(5)} ${fn.detail}`);
  if (host.functions.length === 0)
    lines.push('                none yet: `npm run build` compiles src/functions to dist/src/functions');
  if (host.functions.some((fn) => fn.name === 'statusPage')) {
    lines.push(`  Status page ${host.httpBaseUrl}/status  (HR: find a person, see their photos, recent drops)`);
  }
  lines.push(
    `  Storage     Azurite blob :${azurite.ports.blob}, queue :${azurite.ports.queue}, table :${azurite.ports.table} (data in ${rel(path.join(stateDir, 'azurite'))})`,
  );
  if (emulator) {
    lines.push(`  Microsoft 365 emulator, tenant ${emulator.tenantDomain} (${emulator.tenantId})`);
    lines.push(`                login ${emulator.urls.authorityHost}  Graph ${emulator.urls.graphBaseUrl}`);
    lines.push(`                My Site ${emulator.urls.mySiteUrl}  admin ${emulator.urls.adminSiteUrl}`);
  } else {
    lines.push(`  Microsoft 365: the real tenant ${settings.M365_TENANT_ID} from local.settings.json`);
  }
  const extra = emulator ? ", plus the demo app's id and secret and the demo users" : '';
  lines.push(`  Everything above${extra}: ${rel(path.join(stateDir, 'endpoints.json'))}`);
  lines.push(
    `  App settings the host runs with: ${rel(path.join(stateDir, 'local.settings.json'))} (check them: npm run doctor:local)`,
  );
  lines.push('', 'Next:');
  lines.push(
    '  1. Drop photos:  npm run upload -- ./photos   (or Azure Storage Explorer → Emulator → photos-incoming)',
  );
  lines.push('  2. Watch this window: one line per function run. Renditions land in photos-processed/, originals in');
  lines.push('     photos-archive/, refused photos in photos-rejected/ with a {name}.error.json saying why.');
  if (emulator) {
    const app = emulator.apps.photoSync;
    const user = emulator.users[0] as { userPrincipalName?: string } | undefined;
    const ca = path.join('.local', 'certs', 'dev-ca', 'ca.cert.pem');
    lines.push("  3. Read a photo back from the emulator's Graph, like any Graph client would:");
    lines.push(
      `     TOKEN=$(curl -s --cacert ${ca} ${emulator.urls.authorityHost}/${emulator.tenantId}/oauth2/v2.0/token \\`,
    );
    lines.push(`       -d grant_type=client_credentials -d client_id=${app.clientId} \\`);
    lines.push(`       -d client_secret=$(node -p 'require(".local/endpoints.json").demoApp.clientSecret') \\`);
    lines.push(
      `       -d scope=https://graph.microsoft.com/.default | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    );
    lines.push(`     curl --cacert ${ca} -H "Authorization: Bearer $TOKEN" -o photo.jpg \\`);
    lines.push(`       '${emulator.urls.graphBaseUrl}/v1.0/users/${user?.userPrincipalName ?? '{user}'}/photo/$value'`);
  }
  lines.push('', 'Ctrl+C stops everything (Azurite data stays in .local/).', '');
  console.log(lines.join('\n'));
}

function parseInstances(argv: string[]): number {
  const instances = new Command()
    .name('start')
    .option(
      '--instances <n>',
      'host instances on the one Azurite (each its own process)',
      (value: string) => {
        const parsed = Number(value);
        if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
        return parsed;
      },
      1,
    )
    .parse(argv)
    .opts<{ instances: number }>().instances;
  return instances;
}

/** Instances 2…N on ports 7072…, their log lines printed here with their name. */
function startExtraInstances(
  stack: LocalStack | StorageOnlyStack,
  count: number,
  stateDir: string,
): Promise<HostInstanceProcess[]> {
  const console = createConsoleHostLogger();
  return startHostInstances({
    count,
    settings: stack.settings,
    hostId: stack.host.hostId,
    stateDir,
    ports: Array.from({ length: count }, (_, i) => stack.host.httpPort + i + 1),
    onLine: (instance, { t: _t, level, message, ...fields }) => {
      if (message === 'host-instance-stats') return;
      const logLevel = level === 'warn' || level === 'error' || level === 'debug' ? level : 'info';
      console.log(logLevel, `[${instance.name}] ${message}`, fields as Record<string, string>);
    },
  });
}

async function main(): Promise<void> {
  const instanceCount = parseInstances(process.argv);
  const root = process.cwd();
  const stateDir = path.join(root, '.local');
  const values = readLocalSettings(path.join(root, 'local.settings.json')) ?? {};
  const realTenant = isRealTenantConfigured(values);
  const stack = await startLocalStack({
    ports: 'default',
    persistence: 'disk',
    stateDir,
    realTenant,
    extraSettings: settingsFromLocalSettings(values, realTenant),
    writeEndpoints: true,
  });
  const extraInstances = await startExtraInstances(stack, instanceCount - 1, stateDir);
  printBanner(stack, stateDir);
  if (extraInstances.length > 0)
    console.log(
      `  + ${extraInstances.length} more instance(s) on the same storage: ${extraInstances
        .map((instance, i) => `${instance.name} :${stack.host.httpPort + i + 1}`)
        .join(', ')}\n`,
    );
  // On Azure the renewSubscriptions timer first runs within 30 minutes of deployment; locally nobody wants to wait
  // that long for change notifications, so it runs once now (it only creates the subscription when missing).
  if (stack.host.functions.some((fn) => fn.name === 'renewSubscriptions')) {
    stack.host.triggerTimer('renewSubscriptions').catch((error: unknown) => {
      console.error(`renewSubscriptions failed at start: ${(error as Error).message}`);
    });
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      console.log('Stopping immediately.');
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: finishing running functions and stopping…`);
    Promise.all(extraInstances.map((instance) => instance.stop()))
      .then(() => stack.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const err = error as Error & { code?: string };
    console.error(`Could not start the local stack: ${err.message}`);
    if (err.code === 'azurite-failed' || err.code === 'http-port-in-use') {
      console.error('Is another `npm start` (or Azurite, or func start) already running? Stop it and try again.');
    }
    process.exit(1);
  });
}
