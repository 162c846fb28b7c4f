// Starts Azurite (the storage emulator from node_modules) as a child process and reports the ports it listens on.
// Ports may be ephemeral (0): Azurite prints "… successfully listening at http://127.0.0.1:{port}" per service.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { developmentStorageConnectionString } from './runtime/appSettings';
import { LocalRuntimeError } from './runtime/LocalRuntimeError';

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export interface AzuriteOptions {
  /** `default` = 10000-10002 (what Storage Explorer expects), `ephemeral` = free ports picked by the OS. */
  ports?: 'default' | 'ephemeral' | AzuritePorts;
  /** `memory` for tests; a folder (git-ignored `.local/azurite`) for `npm start`. */
  persistence?: 'memory' | { location: string };
  startTimeoutMs?: number;
}

export interface Azurite {
  ports: AzuritePorts;
  /** The child process's id (benchmarks read its CPU time). */
  pid: number | undefined;
  connectionString: string;
  stop(): Promise<void>;
}

const services = ['blob', 'queue', 'table'] as const;

function portsFor(option: AzuriteOptions['ports']): AzuritePorts {
  if (option === 'ephemeral') return { blob: 0, queue: 0, table: 0 };
  if (option === undefined || option === 'default') return { blob: 10000, queue: 10001, table: 10002 };
  return option;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The compiled preload that makes Azurite's lookups use their index (azuriteIndexedLookups.ts): beside this file when
 * it runs from dist, in dist when Jest runs this file from source.
 */
function indexedLookupsPreload(): string {
  const candidates = [
    path.join(__dirname, 'azuriteIndexedLookups.js'),
    path.resolve(__dirname, '../dist/dev/azuriteIndexedLookups.js'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new LocalRuntimeError('azurite-failed', `${candidates[1]} is missing: run npm run build first`);
  return found;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const requested = portsFor(options.ports);
  const args = ['--require', indexedLookupsPreload(), require.resolve('azurite/dist/src/azurite.js')];
  for (const service of services)
    args.push(`--${service}Host`, '127.0.0.1', `--${service}Port`, String(requested[service]));
  // The Azure SDKs are often newer than Azurite's API version list; loose mode ignores headers it does not know.
  args.push('--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry');
  const persistence = options.persistence ?? 'memory';
  if (persistence === 'memory') args.push('--inMemoryPersistence', '--extentMemoryLimit', '512');
  else {
    mkdirSync(persistence.location, { recursive: true });
    args.push('--location', persistence.location);
  }

  // Not the app's NODE_OPTIONS (its heap limit), which a local host in this process may have set as an app setting:
  // Azurite is storage, not the app, and holds a whole drop's metadata in its heap.
  const { NODE_OPTIONS: _appNodeOptions, ...env } = process.env;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let output = '';
  const listening: Partial<AzuritePorts> = {};

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new LocalRuntimeError(
              'azurite-failed',
              `Azurite did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${output}`,
            ),
          ),
        options.startTimeoutMs ?? 30_000,
      );
      const onData = (chunk: Buffer): void => {
        output = (output + chunk.toString('utf8')).slice(-4000);
        for (const match of output.matchAll(
          /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g,
        )) {
          listening[(match[1] ?? '').toLowerCase() as keyof AzuritePorts] = Number(match[2]);
        }
        if (services.every((s) => listening[s] !== undefined)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new LocalRuntimeError('azurite-failed', `Azurite exited (code ${code}) before listening:\n${output}`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new LocalRuntimeError('azurite-failed', `Azurite could not be started: ${error.message}`, { cause: error }),
        );
      });
    });
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    throw error;
  }

  const ports = listening as AzuritePorts;
  let stopping: Promise<void> | undefined;
  return {
    ports,
    pid: child.pid,
    connectionString: developmentStorageConnectionString(ports),
    stop() {
      stopping ??= stopChild(child).finally(() => process.removeListener('exit', killOnExit));
      return stopping;
    },
  };
}
