// Both writers when the Entra app lacks the permissions: the outcome is recorded with the permission to grant, and
// the message completes (no poison). The roles are revoked before the pipeline asks for its first token, since a
// token carries the roles it was issued with.

import { queues } from '../../../src/storage/names';
import type { LocalStack } from '../../support/localStackFixture';
import { demoUser, enqueue, poisonMessages, stagePhoto, startWritersStack, waitForState } from './writerFixture';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startWritersStack();
  stack.emulator.control.revokeRoles('photoSync', 'graph', ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All']);
  stack.emulator.control.revokeRoles('photoSync', 'sharepoint', ['Sites.FullControl.All', 'User.ReadWrite.All']);
});

afterAll(async () => {
  await stack?.stop();
});

it('records a missing Graph permission, naming ProfilePhoto.ReadWrite.All', async () => {
  const user = demoUser(stack, 'exchangeOnline', 0);
  await enqueue(stack, queues.exchangePhotoWrites, (await stagePhoto(stack, user)).messages.exchange);
  const state = await waitForState(stack, user.id, 'exchange', (s) => s.lastOutcome === 'permanent-failure');
  expect(state.lastErrorCode).toBe('permission-denied');
  expect(state.lastErrorMessage).toMatch(/ProfilePhoto\.ReadWrite\.All/);
  expect(await poisonMessages(stack, queues.exchangePhotoWrites)).toHaveLength(0);
});

it('records missing SharePoint permissions, naming Sites.FullControl.All and User.ReadWrite.All', async () => {
  const user = demoUser(stack, 'exchangeOnline', 1);
  await enqueue(stack, queues.sharePointPhotoWrites, (await stagePhoto(stack, user)).messages.sharePoint);
  const state = await waitForState(stack, user.id, 'sharepoint', (s) => s.lastOutcome === 'permanent-failure');
  expect(state.lastErrorCode).toBe('permission-denied');
  expect(state.lastErrorMessage).toMatch(/Sites\.FullControl\.All.*User\.ReadWrite\.All/);
  expect(await poisonMessages(stack, queues.sharePointPhotoWrites)).toHaveLength(0);
});
