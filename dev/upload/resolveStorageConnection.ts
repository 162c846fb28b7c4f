// Which storage account the upload command talks to, in order: `--connection-string`; the running local stack
// (`.local/endpoints.json`, written by `npm start`); `AzureWebJobsStorage` from the environment; the same setting
// in local.settings.json. Returns where it came from too, so the command can say which account it used.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface StorageConnectionChoice {
  connectionString: string;
  source: string;
}

export class NoStorageConnectionError extends Error {
  readonly code = 'no-storage-connection';
  readonly retryable = false;
  constructor() {
    super(
      'No storage account to upload to. Start the local stack (npm start), pass --connection-string, or set ' +
        'AzureWebJobsStorage in the environment or in local.settings.json.',
    );
    this.name = 'NoStorageConnectionError';
  }
}

function readJson(file: string): unknown {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
}

export function resolveStorageConnection(options: {
  connectionString?: string;
  cwd: string;
  env: Record<string, string | undefined>;
}): StorageConnectionChoice {
  if (options.connectionString) return { connectionString: options.connectionString, source: '--connection-string' };
  const endpointsFile = path.join(options.cwd, '.local', 'endpoints.json');
  const endpoints = readJson(endpointsFile) as { storageConnectionString?: string } | undefined;
  if (endpoints?.storageConnectionString) {
    return { connectionString: endpoints.storageConnectionString, source: path.relative(options.cwd, endpointsFile) };
  }
  // The photos' account (PhotoStorage) first; AzureWebJobsStorage for settings written before it had its own.
  const names = ['PhotoStorage', 'AzureWebJobsStorage'] as const;
  for (const name of names) {
    const fromEnv = options.env[name]?.trim();
    if (fromEnv) return { connectionString: fromEnv, source: `${name} (environment)` };
  }
  const settings = readJson(path.join(options.cwd, 'local.settings.json')) as
    { Values?: Record<string, string> } | undefined;
  for (const name of names) {
    const fromSettings = settings?.Values?.[name]?.trim();
    if (fromSettings) return { connectionString: fromSettings, source: `${name} (local.settings.json)` };
  }
  throw new NoStorageConnectionError();
}
