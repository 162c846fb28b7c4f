// The app settings infra gives the function app, read from functionApp.bicep's `var appSettings` with the Bicep
// grammar and turned into the environment Azure would give the code, so src/config.ts itself judges them.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config';
import {
  literal,
  modules,
  objectProperties,
  params,
  parseBicep,
  variable,
  where,
  type BicepFile,
  type SyntaxNode,
} from './bicepSyntax';

export const functionAppBicep = 'infra/app/functionApp.bicep';

/** `var appSettings = { KEY: expression }` of functionApp.bicep, by key. */
export function infraAppSettings(root: string): Map<string, SyntaxNode> {
  const file = parseBicep(root, functionAppBicep);
  const settings = variable(file, 'appSettings');
  if (settings?.type !== 'object') throw new Error(`${functionAppBicep} has no object variable appSettings`);
  return objectProperties(settings);
}

/** A PEM-shaped value assembled here, so no key-looking block sits in the repository. */
function samplePem(): string {
  const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
  return `${pem('CERTIFICATE', 'MIIB')}\n${pem('PRIVATE KEY', 'MIIE')}`;
}

/**
 * The settings as the code would see them on Azure: Key Vault references resolved to plausible secrets, endpoints
 * and parameters to sample values, string literals as written (interpolations filled with "contoso").
 */
export function infraSettingsAsEnvironment(root: string): Record<string, string> {
  const main = params(parseBicep(root, 'infra/main.bicep'));
  const env: Record<string, string> = {};
  for (const [key, node] of infraAppSettings(root)) {
    const text = node.text;
    if (text.startsWith("'@Microsoft.KeyVault(")) {
      env[key] = key.includes('CERTIFICATE')
        ? samplePem()
        : key.endsWith('_URL')
          ? 'https://func-sample.azurewebsites.net/api/notifications?code=sample'
          : 'sample-secret';
    } else if (node.type === 'string') {
      env[key] = literal(node) ?? text.slice(1, -1).replace(/\$\{[^}]+\}/g, 'contoso');
    } else if (/primaryEndpoints\.(\w+)/.test(text)) {
      env[key] = `https://stsample.${/primaryEndpoints\.(\w+)/.exec(text)?.[1]}.core.windows.net/`;
    } else {
      // A parameter of functionApp.bicep (an int one as `string(name)`): main.bicep passes its own parameter of that
      // name, whose default it takes.
      const name = /^string\((\w+)\)$/.exec(text)?.[1] ?? text;
      const defaultNode = main.get(name)?.node.namedChildren[2];
      const fallback = literal(defaultNode) ?? (defaultNode?.type === 'number' ? defaultNode.text : undefined);
      env[key] = fallback ?? 'sample';
    }
  }
  return env;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** `%NAME%` binding expressions under src/: the host resolves them from app settings and has no defaults. */
export function bindingExpressionSettings(sourceRoot: string): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(path.join(sourceRoot, 'src')))
    for (const match of readFileSync(file, 'utf8').matchAll(/'%([A-Za-z_]\w*)%'/g)) names.add(match[1] as string);
  return names;
}

/**
 * Every setting the code needs is set by infra or has a default: src/config.ts accepts the infra settings, and
 * every binding expression names a setting infra sets.
 */
export function appSettingProblems(root: string, sourceRoot: string): string[] {
  const problems: string[] = [];
  try {
    loadConfig(infraSettingsAsEnvironment(root));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(`${functionAppBicep}: src/config.ts refuses the app settings: ${error.message}`);
  }
  const set = infraAppSettings(root);
  for (const name of bindingExpressionSettings(sourceRoot))
    if (!set.has(name)) problems.push(`${functionAppBicep}: %${name}% is a binding expression but no app setting`);
  return problems;
}

/** Spellings a user may reasonably type for a value: other case, other order of a list, spaces after commas. */
function spellingsLike(value: string): string[] {
  const parts = value.split(',');
  const orders = parts.length === 2 ? [parts, [...parts].reverse()] : [parts];
  return orders.flatMap((order) =>
    [order.join(','), order.join(', ')].flatMap((v) => [
      v,
      v.toUpperCase(),
      v.replace(/\b\w/g, (c) => c.toUpperCase()),
    ]),
  );
}

/** main.bicep parameter -> functionApp.bicep parameter it is passed as -> app setting that parameter becomes. */
function settingsFedByMainParams(root: string): Map<string, string> {
  const main = parseBicep(root, 'infra/main.bicep');
  const appModule = modules(main).find((m) => m.target === functionAppBicep);
  const fed = new Map<string, string>();
  if (!appModule) return fed;
  for (const [key, value] of infraAppSettings(root)) {
    if (value.type !== 'identifier') continue;
    const passed = appModule.params.get(value.text);
    if (passed?.type === 'identifier') fed.set(passed.text, key);
  }
  return fed;
}

/**
 * A main.bicep parameter that becomes an app setting never refuses, with `@allowed`, a spelling src/config.ts
 * accepts; and everything it allows the code accepts.
 */
export function allowedValueProblems(root: string): string[] {
  const main: BicepFile = parseBicep(root, 'infra/main.bicep');
  const declared = params(main);
  const base = infraSettingsAsEnvironment(root);
  const accepts = (setting: string, value: string) => {
    try {
      loadConfig({ ...base, [setting]: value });
      return true;
    } catch (error) {
      if (error instanceof ConfigError && error.setting === setting) return false;
      throw error;
    }
  };
  const problems: string[] = [];
  for (const [param, setting] of settingsFedByMainParams(root)) {
    const allowed = declared.get(param)?.allowed;
    if (!allowed) continue;
    const node = declared.get(param)?.node as SyntaxNode;
    for (const value of allowed)
      if (!accepts(setting, value))
        problems.push(`${where(main, node)}: ${param} allows "${value}", refused by the app`);
    for (const value of new Set(allowed.flatMap(spellingsLike)))
      if (!allowed.includes(value) && accepts(setting, value))
        problems.push(`${where(main, node)}: ${param} refuses "${value}", which ${setting} accepts`);
  }
  return problems;
}
