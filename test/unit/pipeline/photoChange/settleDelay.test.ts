import { NOTIFICATION_SETTLE_MS, settleDelay } from '../../../../src/pipeline/photoChange/settleDelay';
import { PHOTO_CHANGE_SCHEMA, type PhotoChange } from '../../../../src/pipeline/messages/messageContracts';

const receivedAt = new Date('2026-11-23T10:00:00.000Z');
const change = (source: PhotoChange['source']): PhotoChange => ({
  schema: PHOTO_CHANGE_SCHEMA,
  userId: 'u',
  changeType: 'updated',
  receivedAt: receivedAt.toISOString(),
  correlationId: 'c',
  source,
  attempt: 0,
});

describe('settleDelay', () => {
  it('holds a fresh notification until it is the settle time old', () => {
    expect(settleDelay(change('notification'), new Date(receivedAt.getTime() + 1_000))).toBe(
      NOTIFICATION_SETTLE_MS - 1_000,
    );
  });

  it('lets a notification through once it has settled', () => {
    expect(settleDelay(change('notification'), new Date(receivedAt.getTime() + NOTIFICATION_SETTLE_MS))).toBe(0);
  });

  it('never holds changes found by the reconcile timer', () => {
    expect(settleDelay(change('reconcile'), receivedAt)).toBe(0);
  });

  it('never waits longer than the settle time, even for a clock running behind', () => {
    expect(settleDelay(change('notification'), new Date(receivedAt.getTime() - 60_000))).toBe(NOTIFICATION_SETTLE_MS);
  });
});
