// `npm run doctor -- --test-user … --notify-check`: the doctor finds out which kind of tenant it talks to. It
// subscribes to /users with its own receiver, changes the test user's photo, measures when Graph serves the new photo
// and waits a bounded time for a notification. Against the emulator's default (a tenant that does not notify, reads a
// minute behind) and against a tenant that notifies and serves reads at once.

import { runDoctor } from '../../../src/doctor/runDoctor';
import type { CheckResult } from '../../../src/doctor/DoctorCheck';
import { startTestStack, type LocalStack } from '../../support/localStackFixture';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ functionModules: [] });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

function testUser(): string {
  const user = stack.emulator.users.find((u) => u.mailbox === 'exchangeOnline');
  if (!user) throw new Error('the demo tenant has no user with an Exchange Online mailbox');
  return user.userPrincipalName;
}

function check(checks: CheckResult[], id: string): CheckResult | undefined {
  return checks.find((c) => c.id === id);
}

it('reports a tenant that does not notify, the read lag it saw, and the reconcile latency to expect', async () => {
  const started = Date.now();
  const report = await runDoctor(stack.settings, {
    testUser: testUser(),
    notifyCheck: { waitMs: 4_000, receiverPort: 0, pollIntervalMs: 250 },
  });
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(check(report.checks, 'photo-notifications')).toMatchObject({
    status: 'warn',
    detail: expect.stringMatching(/^no notification within 4 s .*reconcile alone: at most \d/),
  });
  // The emulator serves the previous photo for a minute after a write.
  expect(check(report.checks, 'photo-read-lag')).toMatchObject({
    status: 'warn',
    detail: 'still the previous photo after 4 s',
  });
  // The temporary subscription is gone.
  expect(stack.emulator.control.listSubscriptions()).toEqual([]);
});

it('reports a tenant that notifies, with the notification latency', async () => {
  stack.emulator.control.setNotifyOnPhotoChange(true);
  stack.emulator.control.setPhotoStoreRealism({ photoReadLagMs: 0 });
  try {
    const report = await runDoctor(stack.settings, {
      testUser: testUser(),
      notifyCheck: { waitMs: 15_000, receiverPort: 0, pollIntervalMs: 250 },
    });
    expect(check(report.checks, 'photo-notifications')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^yes: a notification came \d+ s after the write\. Expect about \d+ s/),
    });
    expect(check(report.checks, 'photo-read-lag')).toMatchObject({ status: 'pass' });
    expect(stack.emulator.control.listSubscriptions()).toEqual([]);
  } finally {
    stack.emulator.control.setNotifyOnPhotoChange(false);
  }
});

it('needs --test-user', async () => {
  const report = await runDoctor(stack.settings, { notifyCheck: { waitMs: 1_000, receiverPort: 0 } });
  expect(check(report.checks, 'photo-notifications')).toMatchObject({ status: 'skip' });
});
