// The names that must agree between the code and the deployment, checked without a Bicep compiler: storage names
// (src/storage/names.ts) vs what infra creates, the function registrations vs host.json, Event Grid and the hooks,
// the app settings the code reads vs what infra sets, and the Node version infra runs vs package.json `engines`.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config';
import {
  blobTriggerPoisonQueue,
  containers,
  photoStorageConnection,
  hostMaxDequeueCount,
  poisonQueueName,
  queues,
  storageConnection,
  tables,
} from '../../../src/storage/names';
import { loadFunctionApp } from '../../../dev/runtime/loadFunctionApp';
import type { RegisteredFunction } from '../../../dev/runtime/functionsCore';
import {
  bicepLiteralOutputs,
  bicepObjectEntries,
  bicepOutputNames,
  bicepParams,
  bicepProperty,
  bicepStringArray,
  readRepoFile,
  repoRoot,
} from './readInfra';
import { infraSettingsAsEnvironment } from './appSettingChecks';
import { settingsReadBySource } from './settingsReadBySource';

const mainBicep = readRepoFile('infra/main.bicep');
const functionAppBicep = readRepoFile('infra/app/functionApp.bicep');
const postdeploySh = readRepoFile('infra/hooks/postdeploy.sh');
const postdeployPs1 = readRepoFile('infra/hooks/postdeploy.ps1');
const outputs = bicepLiteralOutputs(mainBicep);
const appSettings = bicepObjectEntries(functionAppBicep, 'appSettings');

function loadRegistrations(): RegisteredFunction[] {
  const dir = path.join(repoRoot, 'src/functions');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
  return loadFunctionApp(files);
}

const registrations = loadRegistrations();
const triggerOf = (fn: RegisteredFunction) =>
  Object.values(fn.metadata.bindings).find((b) => typeof b.type === 'string' && b.type.endsWith('Trigger'));
const byTrigger = (type: string) => registrations.filter((fn) => triggerOf(fn)?.type === type);

describe('storage names', () => {
  it('creates exactly the containers of src/storage/names.ts plus the deployment package container', () => {
    expect(bicepStringArray(mainBicep, 'photoContainerNames').sort()).toEqual(Object.values(containers).sort());
  });

  it('creates every queue of src/storage/names.ts with its poison queue', () => {
    const expected = Object.values(queues).flatMap((q) => [q, poisonQueueName(q)]);
    expect(bicepStringArray(mainBicep, 'queueNames').sort()).toEqual(expected.sort());
  });

  it("creates the blob trigger's poison queue in the photos account, the trigger connection's", () => {
    expect(bicepStringArray(mainBicep, 'photoQueueNames')).toEqual([blobTriggerPoisonQueue]);
    expect(mainBicep).toMatch(/containerNames: photoContainerNames\s+queueNames: photoQueueNames/);
  });

  it('creates exactly the tables of src/storage/names.ts', () => {
    expect(bicepStringArray(mainBicep, 'tableNames').sort()).toEqual(Object.values(tables).sort());
  });
});

describe('function registrations', () => {
  it('registers one Event Grid blob trigger on photos-incoming, the function the hook subscribes', () => {
    const blobTriggers = byTrigger('blobTrigger');
    expect(blobTriggers).toHaveLength(1);
    const [ingest] = blobTriggers as [RegisteredFunction];
    const trigger = triggerOf(ingest);
    expect(trigger?.path).toBe(`${containers.incoming}/{name}`);
    // Flex Consumption supports only the Event Grid source; polling would also take minutes.
    expect(trigger?.source).toBe('EventGrid');
    // The photos' own account, not the host's (PhotoStorage__* app settings point at it).
    expect(trigger?.connection).toBe(photoStorageConnection);
    expect(outputs.get('INGEST_FUNCTION_NAME')).toBe(ingest.metadata.name);
    expect(outputs.get('PHOTOS_INCOMING_CONTAINER_NAME')).toBe(containers.incoming);
  });

  it('has a queue trigger for every queue and no queue trigger on an unknown queue', () => {
    const triggered = byTrigger('queueTrigger').map((fn) => triggerOf(fn)?.queueName as string);
    expect(triggered.sort()).toEqual(Object.values(queues).sort());
    for (const fn of byTrigger('queueTrigger')) expect(triggerOf(fn)?.connection).toBe(storageConnection);
  });

  it('queues nothing through output bindings: the DecisionExecutor sends, to queues (and poison queues) infra creates', () => {
    const outputsToQueues = registrations.flatMap((fn) =>
      Object.values(fn.metadata.bindings).filter((b) => b.type === 'queue' && b.direction === 'out'),
    );
    // An output binding is written after the handler returns: after the trigger's own input is acknowledged.
    expect(outputsToQueues).toEqual([]);
    const created = new Set(bicepStringArray(mainBicep, 'queueNames'));
    for (const name of Object.values(queues)) {
      expect(created.has(name)).toBe(true);
      expect(created.has(poisonQueueName(name))).toBe(true);
    }
  });

  it('exposes the notification webhook at the route and name the postdeploy hooks put in NOTIFICATION_URL', () => {
    const notifications = registrations.find((fn) => fn.metadata.name === outputs.get('NOTIFICATIONS_FUNCTION_NAME'));
    expect(notifications).toBeDefined();
    const trigger = triggerOf(notifications as RegisteredFunction);
    expect(trigger?.type).toBe('httpTrigger');
    const route = trigger?.route as string;
    expect(postdeploySh).toContain(`/api/${route}?code=`);
    expect(postdeployPs1).toContain(`/api/${route}?code=`);
  });
});

describe('host.json', () => {
  const host = JSON.parse(readRepoFile('host.json')) as {
    functionTimeout: string;
    extensions: { queues: { messageEncoding: string; maxDequeueCount: number } };
  };

  it('uses base64 queue messages, the encoding the code writes', () => {
    expect(host.extensions.queues.messageEncoding).toBe('base64');
  });

  it('gives a queue message the tries the removal consumer counts on to record its last one as failed', () => {
    expect(host.extensions.queues.maxDequeueCount).toBe(hostMaxDequeueCount);
  });

  it('allows a function more time than one Microsoft 365 call may take by default', () => {
    const [h, m, s] = host.functionTimeout.split(':').map(Number) as [number, number, number];
    const timeoutMs = ((h * 60 + m) * 60 + s) * 1000;
    expect(timeoutMs).toBeGreaterThan(loadConfigFromInfra().m365.httpTimeoutMs);
  });
});

describe('Event Grid', () => {
  it('subscribes blob-created events of photos-incoming only, so the pipeline never triggers itself', () => {
    for (const hook of [postdeploySh, postdeployPs1]) {
      // postdeploy.sh writes `--option value`, postdeploy.ps1 an argument array `'--option', 'value'`.
      expect(hook).toMatch(/--subject-begins-with'?,? "\/blobServices\/default\/containers\/\$/);
      expect(hook).toMatch(/containers\/\$\{?(env:)?PHOTOS_INCOMING_CONTAINER_NAME|containers\/\$container\//);
      expect(hook).toMatch(/--included-event-types'?,? '?Microsoft\.Storage\.BlobCreated/);
      expect(hook).toContain('systemKeys.blobs_extension');
      expect(hook).toContain('runtime/webhooks/blobs?functionName=Host.Functions.');
    }
  });

  it('gives the hooks every output they read', () => {
    // azd itself sets AZURE_SUBSCRIPTION_ID (the subscription it deployed to), Windows sets OS; the rest are outputs.
    const declared = new Set([...bicepOutputNames(mainBicep), 'AZURE_SUBSCRIPTION_ID', 'OS']);
    const readBySh = [...postdeploySh.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g)].map((m) => m[1] as string);
    const readByPs1 = [...postdeployPs1.matchAll(/\$env:([A-Z][A-Z0-9_]+)/g)].map((m) => m[1] as string);
    for (const name of [...readBySh, ...readByPs1])
      expect({ name, declared: declared.has(name) }).toEqual({ name, declared: true });
  });
});

function loadConfigFromInfra() {
  return loadConfig(infraSettingsAsEnvironment(repoRoot));
}

describe('app settings', () => {
  it('are a complete, valid configuration: identity storage, a certificate, no connection strings', () => {
    const config = loadConfigFromInfra();
    expect(config.storage.kind).toBe('identity');
    expect(config.m365.credential.kind).toBe('certificate');
    expect(config.m365.mySiteUrl).toMatch(/^https:\/\/[\w-]+-my\.sharepoint\.com$/);
    expect(config.m365.adminSiteUrl).toMatch(/^https:\/\/[\w-]+-admin\.sharepoint\.com$/);
    expect(appSettings.has('AzureWebJobsStorage')).toBe(false);
    expect(appSettings.get('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
  });

  it('keep secrets in Key Vault and never set what Flex Consumption forbids', () => {
    for (const key of ['M365_CLIENT_CERTIFICATE', 'NOTIFICATION_CLIENT_STATE', 'NOTIFICATION_URL']) {
      expect(appSettings.get(key)).toMatch(
        /^'@Microsoft\.KeyVault\(SecretUri=\$\{keyVaultUri\}secrets\/\$\{\w+\}\/\)'$/,
      );
    }
    for (const key of ['M365_CLIENT_SECRET', 'FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION']) {
      expect(appSettings.has(key)).toBe(false);
    }
  });

  it('set only settings that the code or the Functions host reads', () => {
    const read = settingsReadBySource();
    const hostSettings = ['AzureWebJobsStorage__credential', 'PhotoStorage__credential'];
    // Read as the worker process starts (by the C library, by Node), not by the app.
    const processSettings = ['MALLOC_ARENA_MAX', 'NODE_OPTIONS'];
    for (const key of appSettings.keys()) {
      const readBy = read.has(key) || hostSettings.includes(key) || processSettings.includes(key);
      expect({ key, read: readBy }).toEqual({ key, read: true });
    }
  });

  it('are all documented in docs/configuration.md, and the local ones in local.settings.example.json', () => {
    const docs = readRepoFile('docs/configuration.md');
    const example = JSON.parse(readRepoFile('local.settings.example.json')) as { Values: Record<string, string> };
    // Only meaningful on Azure: managed-identity storage, Entra-authenticated telemetry, a PEM from Key Vault.
    const azureOnly =
      /^(AzureWebJobsStorage__|PhotoStorage__|APPLICATIONINSIGHTS_|M365_CLIENT_CERTIFICATE$|WEBSITE_INSTANCE_ID$)/;
    for (const key of new Set([...settingsReadBySource(), ...appSettings.keys()])) {
      expect({ key, documented: docs.includes(`\`${key}\``) }).toEqual({ key, documented: true });
      if (!azureOnly.test(key)) expect({ key, inExample: key in example.Values }).toEqual({ key, inExample: true });
    }
  });
});

describe('azd layout', () => {
  const azureYaml = readRepoFile('azure.yaml');

  it('deploys the service that the function app is tagged with', () => {
    const service = /^services:\n {2}(\w+):/m.exec(azureYaml)?.[1];
    expect(service).toBeDefined();
    expect(functionAppBicep).toContain(`param serviceName string = '${service}'`);
    expect(functionAppBicep).toContain("'azd-service-name': serviceName");
    expect(azureYaml).toMatch(/language: ts\n\s+host: function/);
    expect(azureYaml).toContain('run: ./infra/hooks/postdeploy.sh');
    expect(azureYaml).toContain('run: ./infra/hooks/postdeploy.ps1');
  });

  it('passes every parameter without a default through main.parameters.json, and nothing unknown', () => {
    const params = bicepParams(mainBicep);
    const file = JSON.parse(readRepoFile('infra/main.parameters.json')) as { parameters: Record<string, unknown> };
    for (const name of Object.keys(file.parameters))
      expect({ name, known: params.has(name) }).toEqual({ name, known: true });
    for (const [name, { hasDefault }] of params) if (!hasDefault) expect(Object.keys(file.parameters)).toContain(name);
  });

  it('names every role assignment guid(scope, principal, role) so redeployments find it again', () => {
    for (const file of ['infra/app/rbac.bicep', 'infra/app/hrAccess.bicep']) {
      const text = readRepoFile(file);
      const names = [...text.matchAll(/roleAssignments@[\d-]+' = (?:\[\s*for \w+ in \w+: )?\{\s*name: ([^\n]+)/g)];
      expect(names.length).toBeGreaterThan(0);
      for (const [, name] of names) expect(name).toMatch(/^guid\([\w:.]+\.id, \w+, [\w.]+\)$/);
    }
  });

  it('runs the Node major version that package.json engines allows, on Flex Consumption', () => {
    const version = bicepProperty(functionAppBicep, 'runtime', 'version');
    expect(bicepProperty(functionAppBicep, 'runtime', 'name')).toBe('node');
    const engines = (JSON.parse(readRepoFile('package.json')) as { engines: { node: string } }).engines.node;
    const minimumMajor = Number(/>=\s*(\d+)/.exec(engines)?.[1]);
    expect(Number(version)).toBeGreaterThanOrEqual(minimumMajor);
    expect(functionAppBicep).toContain("tier: 'FlexConsumption'");
    expect(functionAppBicep).toMatch(/alwaysReady: \[\s*\{ name: 'http', instanceCount: 1 \}/);
  });
});
