// Both writers in a host that starts while the sign-in service does not answer (the soak's Microsoft 365 outage
// after a host restart): MSAL has not read the authority's OpenID configuration yet and reports
// `endpoints_resolution_error`. That is an outage, not a missing permission: the writes are rescheduled as
// `unavailable`, and once login answers again the photo is written. Recorded as `permission-denied`, the photo would
// stay unwritten for good (nothing retries a permanent failure).

import type { LocalStack } from '../../support/localStackFixture';
import {
  demoUser,
  poisonMessages,
  queueFreshPhoto,
  startWritersStack,
  waitForState,
  writeQueues,
  type WriterTarget,
} from './writerFixture';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startWritersStack();
  // Before the host asks for its first token: every connection to login is dropped without an answer.
  stack.emulator.control.injectFault({ service: 'login', dropConnection: true, times: Infinity });
});

afterAll(async () => {
  await stack?.stop();
});

it('reschedules both writes while login does not answer, and writes them once login is back', async () => {
  const targets: WriterTarget[] = ['exchange', 'sharepoint'];
  const users = targets.map((_, index) => demoUser(stack, 'exchangeOnline', index));
  const photos = await Promise.all(targets.map((target, index) => queueFreshPhoto(stack, users[index]!, target)));

  for (const [index, target] of targets.entries()) {
    const failed = await waitForState(stack, users[index]!.id, target, (s) =>
      ['rescheduled', 'permanent-failure', 'dead-lettered'].includes(s.lastOutcome ?? ''),
    );
    expect(failed).toMatchObject({ lastOutcome: 'rescheduled', lastErrorCode: 'unavailable' });
    expect(failed.lastErrorMessage).toMatch(/sign-in service did not give its OpenID configuration/);
  }

  stack.emulator.control.clearFaults();
  for (const [index, target] of targets.entries()) {
    await waitForState(
      stack,
      users[index]!.id,
      target,
      (s) => s.lastOutcome === 'written' && s.lastContentHash === photos[index]!.contentHash,
      // A reschedule's backoff grows from 5 s with the attempt (writeDecisions): a few rounds fit in this.
      { timeoutMs: 45_000 },
    );
    expect(await poisonMessages(stack, writeQueues[target])).toHaveLength(0);
  }
}, 120_000);
