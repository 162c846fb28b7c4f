// Loads the app's function files the way the worker does (require each file matched by package.json `main`) and
// returns the registrations they made through `@azure/functions`.

import Module from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { registeredFunctions, type RegisteredFunction } from './functionsCore';
import { LocalRuntimeError } from './LocalRuntimeError';

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

/** Outside jest (which maps the name in jest.config.js), answer `@azure/functions-core` with our module. */
export function installFunctionsCoreResolver(): void {
  try {
    require.resolve('@azure/functions-core');
    return;
  } catch {
    // Not resolvable: hook Node's resolver below.
  }
  const moduleInternals = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = moduleInternals._resolveFilename;
  const corePath = require.resolve('./functionsCore');
  moduleInternals._resolveFilename = function resolveFunctionsCore(request, parent, isMain, options) {
    if (request === '@azure/functions-core') return corePath;
    return original.call(this, request, parent, isMain, options);
  };
}

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/\\\\]*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** Expands `dir/*.js`-style patterns (a wildcard in the file name only, like package.json `main` in the v4 model). */
export function resolveFunctionModules(patterns: string[], options: { cwd: string }): string[] {
  const files = new Set<string>();
  for (const pattern of patterns) {
    const absolute = path.resolve(options.cwd, pattern);
    const dir = path.dirname(absolute);
    const base = path.basename(absolute);
    if (!/[*?]/.test(base)) {
      if (!existsSync(absolute)) throw new LocalRuntimeError('function-module-missing', `${absolute} does not exist.`);
      files.add(absolute);
      continue;
    }
    if (!existsSync(dir)) continue;
    const matcher = wildcardToRegExp(base);
    for (const name of readdirSync(dir).sort()) {
      if (matcher.test(name) && !name.endsWith('.d.ts') && !name.endsWith('.map')) files.add(path.join(dir, name));
    }
  }
  return [...files];
}

/** package.json `main` of the app in `cwd`: the glob the Functions worker loads (`dist/src/functions/*.js`). */
export function defaultFunctionModules(cwd: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main) throw new LocalRuntimeError('no-main', 'package.json has no "main" naming the function files.');
  return [pkg.main];
}

/**
 * Requires each file and returns the functions it registered. Files already loaded in this process (a host
 * restarted in the same test) register nothing new, so registrations are matched by the file that made them.
 */
export function loadFunctionApp(files: string[]): RegisteredFunction[] {
  installFunctionsCoreResolver();
  const before = new Set(registeredFunctions());
  for (const file of files) {
    try {
      // Loading the app's files by path at run time is what the worker does; no static import can.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(file);
    } catch (error) {
      throw new LocalRuntimeError('function-module-failed', `Loading ${file} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const wanted = new Set(files.map((f) => path.resolve(f)));
  return registeredFunctions().filter(
    (fn) => !before.has(fn) || (fn.sourceFile !== undefined && wanted.has(path.resolve(fn.sourceFile))),
  );
}
