// App settings as the Functions host sees them: local.settings.json `Values` become environment variables before
// the app loads (what `func start` does), and `%Name%` in binding options resolves to the setting `Name`.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-expressions-patterns#binding-expressions---app-settings

import { existsSync, readFileSync } from 'node:fs';
import { LocalRuntimeError } from './LocalRuntimeError';

export type AppSettings = Record<string, string>;

/** `Values` of a local.settings.json, or undefined when the file does not exist. */
export function readLocalSettings(path: string): AppSettings | undefined {
  if (!existsSync(path)) return undefined;
  const json = JSON.parse(readFileSync(path, 'utf8')) as { Values?: Record<string, unknown> };
  const values: AppSettings = {};
  for (const [key, value] of Object.entries(json.Values ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      values[key] = String(value);
  }
  return values;
}

/** Sets the settings into process.env and returns a function that puts the previous values back. */
export function applyAppSettings(settings: AppSettings): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(settings)) {
    previous.set(key, process.env[key]);
    process.env[key] = value;
  }
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

export function resolveSettingReferences(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) {
      throw new LocalRuntimeError(
        'invalid-binding',
        `Binding expression %${name}% names an app setting that is not set.`,
      );
    }
    return resolved;
  });
}

/** The storage connection string a binding's `connection` names (default `AzureWebJobsStorage`). */
export function storageConnectionString(connection: unknown, env: Record<string, string | undefined>): string {
  const name = typeof connection === 'string' && connection.trim() ? connection.trim() : 'AzureWebJobsStorage';
  const value = env[name] ?? env[`AzureWebJobs${name}`];
  if (!value) {
    throw new LocalRuntimeError(
      'storage-connection',
      `The storage connection "${name}" is not set. The local runtime needs a connection string (Azurite's), ` +
        'not the identity-based __accountName/__serviceUri settings used on Azure.',
    );
  }
  return value === 'UseDevelopmentStorage=true' ? developmentStorageConnectionString() : value;
}

/** Azurite's well-known account and key on its default ports (the documented development-storage shortcut). */
export function developmentStorageConnectionString(ports = { blob: 10000, queue: 10001, table: 10002 }): string {
  const origin = 'http://127.0.0.1';
  return (
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
    'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
    `BlobEndpoint=${origin}:${ports.blob}/devstoreaccount1;QueueEndpoint=${origin}:${ports.queue}/devstoreaccount1;` +
    `TableEndpoint=${origin}:${ports.table}/devstoreaccount1;`
  );
}
