// The runtime tests' stack: Azurite and the local Functions host running the fixture app (test/fixtures/runtimeApp,
// one function per trigger kind) with its host.json, without the Microsoft 365 emulator.

import { fixtureFunctionModules, fixtureHostJson } from '../fixtures/runtimeApp/fixtureApp';
import { startStorageStack, uniqueName, type StorageOnlyStack } from './localStackFixture';

export function startFixtureAppStack(
  options: { fanOutQueue?: string; blobTriggerSource?: 'poll' | 'eventGrid' } = {},
): Promise<StorageOnlyStack> {
  return startStorageStack({
    functionModules: fixtureFunctionModules,
    // processWork fans out to this queue; a name per test file keeps parallel files apart.
    extraSettings: { FANOUT_QUEUE: options.fanOutQueue ?? uniqueName('fanout') },
    // The runtime's own tests check schedules, run-on-startup and past-due runs.
    host: {
      hostJsonPath: fixtureHostJson,
      timerSchedules: 'scheduled',
      ...(options.blobTriggerSource ? { blobTriggerSource: options.blobTriggerSource } : {}),
    },
  });
}
