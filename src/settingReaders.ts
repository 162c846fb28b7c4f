// How one app setting is read: the typed readers src/config.ts builds its configuration from, each failing with a
// ConfigError that names the setting (and never echoes a secret's value).

export class ConfigError extends Error {
  readonly code = 'config-invalid';
  /** A setting has to be changed (and the app restarted): trying again does not help. */
  readonly retryable = false;
  constructor(
    public readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** App settings as the process sees them. */
export type Env = Record<string, string | undefined>;

const KEY_VAULT_REFERENCE_PREFIX = '@microsoft.keyvault(';

/**
 * The same settings, except that reading one whose value is still a Key Vault reference throws. App Service puts
 * the secret's value in place of `@Microsoft.KeyVault(...)` when it can resolve the reference, and leaves the
 * reference text as the value when it cannot: the secret is missing, or the app's identity lacks the
 * "Key Vault Secrets User" role. Failing here names the setting instead of failing later on an odd value.
 * https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshoot-key-vault-references
 */
export function withResolvedKeyVaultReferences(env: Env): Env {
  return new Proxy(env, {
    get(target, name): unknown {
      const value: unknown = Reflect.get(target, name);
      if (
        typeof name === 'string' &&
        typeof value === 'string' &&
        value.trimStart().toLowerCase().startsWith(KEY_VAULT_REFERENCE_PREFIX)
      ) {
        // Never echo the value: the reference names the vault and secret, and the app's identity.
        throw new ConfigError(
          name,
          "is a Key Vault reference Azure could not resolve: the secret is missing, or the app's managed identity " +
            'lacks the "Key Vault Secrets User" role on the vault. Check the setting\'s Key Vault reference status ' +
            'in the portal (Environment variables).',
        );
      }
      return value;
    },
  });
}

export function required(env: Env, name: string, hint: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(name, `is not set. ${hint}`);
  return value;
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, received "${raw}".`);
  }
  return value;
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  const match = allowed.find((a) => a === raw);
  if (!match) throw new ConfigError(name, `expected one of ${allowed.join(', ')}, received "${raw}".`);
  return match;
}

export function httpsUrl(env: Env, name: string, fallback?: string): string {
  const raw = env[name]?.trim() || fallback;
  if (!raw) throw new ConfigError(name, 'is not set.');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a URL: "${raw}".`);
  }
  // MSAL refuses http authorities, and bearer tokens must never travel in clear text.
  if (url.protocol !== 'https:') throw new ConfigError(name, `must be an https:// URL, received "${raw}".`);
  return url.origin;
}
