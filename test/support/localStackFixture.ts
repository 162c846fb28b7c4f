// Helpers for integration tests: a local stack on ephemeral ports (so test files run in parallel), polling with a
// deadline instead of sleeping, and unique storage names.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
  type M365EmulatorOptions,
  type StorageOnlyStack,
} from '../../dev/localStack';
import { createConsoleHostLogger } from '../../dev/runtime/HostLogger';

export type { LocalStack, StorageOnlyStack };

export class WaitForTimeoutError extends Error {
  readonly code = 'wait-timeout';
  readonly retryable = false;
  constructor(what: string, timeoutMs: number, lastError: unknown) {
    super(
      `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
    );
    this.name = 'WaitForTimeoutError';
  }
}

/**
 * Polls `condition` until it returns a value other than undefined/false (or stops throwing), and returns it.
 * Fails with a message naming `what` when `timeoutMs` passes.
 */
export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; what: string; intervalMs?: number },
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new WaitForTimeoutError(options.what, timeoutMs, lastError);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** A container/queue name unique to this test run: lower case, digits and dashes, 3-63 characters. */
export function uniqueName(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[^a-z0-9-]/g, '')}-${randomBytes(4).toString('hex')}`.slice(0, 63);
}

/** The app's own registrations, as TypeScript (jest compiles them): what Azure runs from dist/src/functions. */
export const appFunctionModules = [path.resolve(__dirname, '../../src/functions/*.ts')];

/** The app's host.json; tests that need fast retries pass a fixture host.json instead. */
export const appHostJson = path.resolve(__dirname, '../../host.json');

const quietLogger = createConsoleHostLogger({ minLevel: process.env.LOCAL_RUNTIME_LOG === 'info' ? 'info' : 'error' });

/** Azurite in memory and the Functions host on ephemeral ports, without the Microsoft 365 emulator. */
export function startStorageStack(
  options: Omit<LocalStackOptions, 'emulator' | 'ports' | 'persistence'> = {},
): Promise<StorageOnlyStack> {
  return startLocalStack({
    ...options,
    functionModules: options.functionModules ?? appFunctionModules,
    ports: 'ephemeral',
    persistence: 'memory',
    emulator: false,
    host: { logger: quietLogger, pollIntervalMs: 100, timerSchedules: 'manual', ...options.host },
  });
}

/** The full stack (Azurite, emulator, host) on ephemeral ports. Needs NODE_EXTRA_CA_CERTS (`npm test` sets it). */
export function startTestStack(
  options: Omit<LocalStackOptions, 'ports' | 'persistence' | 'emulator'> & { emulator?: M365EmulatorOptions } = {},
): Promise<LocalStack> {
  return startLocalStack({
    ...options,
    functionModules: options.functionModules ?? appFunctionModules,
    ports: 'ephemeral',
    persistence: 'memory',
    // Tests run timers themselves (host.triggerTimer): a schedule firing mid-test would add writes they count.
    host: { logger: quietLogger, pollIntervalMs: 100, timerSchedules: 'manual', ...options.host },
  });
}
