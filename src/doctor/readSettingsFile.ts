// The settings doctor checks: a local.settings.json-shaped file (`{ "Values": { ... } }`) when given, over the
// process environment (so a value exported in the shell can fill a gap, but the file names the tenant).

import { readFileSync } from 'node:fs';

export class SettingsFileError extends Error {
  readonly code = 'settings-file-invalid';
  readonly retryable = false;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`${file}: ${reason}`, options);
    this.name = 'SettingsFileError';
  }
}

export function readSettingsFile(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SettingsFileError(file, `cannot read it as JSON (${(error as Error).message})`, { cause: error });
  }
  const values = (parsed as { Values?: unknown }).Values;
  if (!values || typeof values !== 'object') throw new SettingsFileError(file, 'has no "Values" object.');
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function doctorSettings(file: string | undefined, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return file ? { ...env, ...readSettingsFile(file) } : { ...env };
}
