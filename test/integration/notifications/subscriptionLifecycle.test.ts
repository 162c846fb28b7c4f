// The Graph subscription over its life, against the emulator: reauthorizationRequired renews it at once, and a
// subscription Graph expired (deleted) is re-created by the next renewSubscriptions run, after which
// notifications flow again through the new one.

import path from 'node:path';
import sharp from 'sharp';
import { SubscriptionStore } from '../../../src/storage/SubscriptionStore';
import { createStorageClients } from '../../../src/storage/storageClients';
import { startTestStack, waitFor, type LocalStack } from '../../support/localStackFixture';

let stack: LocalStack;

function onlySubscription() {
  const all = stack.emulator.control.listSubscriptions();
  expect(all).toHaveLength(1);
  return all[0] as NonNullable<(typeof all)[0]>;
}

beforeAll(async () => {
  stack = await startTestStack({
    functionModules: [path.resolve(__dirname, '../../../src/functions/*.ts')],
    emulator: { notifyOnPhotoChange: true },
  });
  await stack.host.triggerTimer('renewSubscriptions');
});

afterAll(async () => {
  await stack?.stop();
});

test('reauthorizationRequired pushes the subscription expiry out at once', async () => {
  const before = onlySubscription();
  const expiryBefore = before.expirationDateTime.getTime();
  stack.emulator.control.triggerLifecycleEvent(before.id, 'reauthorizationRequired');
  await waitFor(() => onlySubscription().expirationDateTime.getTime() > expiryBefore, {
    timeoutMs: 10_000,
    what: 'the renewed expiry',
  });
  expect(onlySubscription().id).toBe(before.id);
});

test('a subscription Graph expired is re-created by the next run and notifications flow through the new one', async () => {
  const old = onlySubscription();
  stack.emulator.control.expireSubscription(old.id);
  expect(stack.emulator.control.listSubscriptions()).toHaveLength(0);

  await stack.host.triggerTimer('renewSubscriptions');
  const renewed = onlySubscription();
  expect(renewed.id).not.toBe(old.id);
  const store = SubscriptionStore.fromStorageClients(
    createStorageClients({ kind: 'connectionString', connectionString: stack.storageConnectionString }),
  );
  expect(await store.listIds()).toEqual([renewed.id]);

  const user = stack.emulator.users.find((u) => u.mailbox === 'exchangeOnline');
  if (!user) throw new Error('the demo tenant has no user with a mailbox');
  const deliveriesBefore = stack.emulator.control.deliveries().length;
  const bytes = await sharp({ create: { width: 200, height: 200, channels: 3, background: { r: 5, g: 5, b: 250 } } })
    .jpeg()
    .toBuffer();
  await stack.emulator.control.changePhotoAsUser(user.userPrincipalName, bytes);
  const delivery = await waitFor(
    () =>
      stack.emulator.control
        .deliveries()
        .slice(deliveriesBefore)
        .find((d) => d.delivered),
    { timeoutMs: 10_000, what: 'a delivered notification' },
  );
  expect(delivery.subscriptionId).toBe(renewed.id);
  expect(delivery.lastStatus).toBe(202);
  const medium = `${user.userPrincipalName.replace(/[@.]/g, '_')}_MThumb.jpg`;
  await waitFor(
    async () => {
      const file = stack.emulator.control.getSharePointFile(medium);
      if (!file) return false;
      const [, , blue] = (await sharp(file).stats()).channels;
      return (blue?.mean ?? 0) > 200;
    },
    { timeoutMs: 20_000, what: 'the blue medium thumbnail' },
  );
});
