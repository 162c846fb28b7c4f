import { describeTarget } from '../../../../src/pipeline/status/describeTarget';
import type { DropRecord } from '../../../../src/pipeline/status/StatusPorts';
import type { PhotoState } from '../../../../src/pipeline/write/PhotoStatePort';

const now = new Date('2026-12-02T12:00:00Z');
const on = { enabled: true, now };
const drop: DropRecord = {
  name: 'adele.jpg',
  droppedAt: '2026-12-02T11:00:00.000Z',
  outcome: 'accepted',
  location: 'photos-archive/2026/12/02/adele.jpg',
  userId: 'u1',
  contentHash: 'h1',
};
const row = (fields: Partial<PhotoState>): PhotoState => ({ userId: 'u1', target: 'exchange', ...fields });

describe('describeTarget', () => {
  it('is written when the writer wrote the dropped photo', () => {
    const state = row({ lastOutcome: 'written', lastContentHash: 'h1', lastWrittenAt: '2026-12-02T11:00:05.000Z' });
    expect(describeTarget('exchange', state, drop, on)).toEqual({
      target: 'exchange',
      state: 'written',
      at: '2026-12-02T11:00:05.000Z',
    });
  });

  it('is pending while a drop newer than the last write has not been written', () => {
    const state = row({
      lastOutcome: 'written',
      lastContentHash: 'h0',
      lastWrittenAt: '2026-12-01T09:00:00.000Z',
      updatedAt: '2026-12-01T09:00:00.000Z',
    });
    expect(describeTarget('exchange', state, drop, on)).toMatchObject({ state: 'pending', at: drop.droppedAt });
  });

  it('is pending while a writer holds an unexpired claim', () => {
    const state = row({
      lastOutcome: 'written',
      lastContentHash: 'h1',
      updatedAt: '2026-12-02T11:59:00.000Z',
      writeClaimId: 'c',
      writeClaimExpiresAt: '2026-12-02T12:04:00.000Z',
    });
    expect(describeTarget('exchange', state, drop, on)).toMatchObject({ state: 'pending' });
  });

  it('is failed with the reason in HR words and the writer code', () => {
    const state = row({
      lastOutcome: 'permanent-failure',
      lastErrorCode: 'no-exchange-mailbox',
      lastErrorMessage: 'Graph said ErrorNonExistentMailbox',
      updatedAt: '2026-12-02T11:00:04.000Z',
    });
    const view = describeTarget('exchange', state, drop, on);
    expect(view).toMatchObject({ state: 'failed', code: 'no-exchange-mailbox', at: '2026-12-02T11:00:04.000Z' });
    expect(view.reason).toContain('no Exchange Online mailbox');
  });

  it('says a protected account is never written, in HR words', () => {
    const state = row({
      lastOutcome: 'permanent-failure',
      lastErrorCode: 'protected-account',
      lastErrorMessage: 'This person is a protected account (PROTECTED_ACCOUNTS_GROUP_ID)…',
      updatedAt: '2026-12-02T11:00:04.000Z',
    });
    const view = describeTarget('exchange', state, drop, on);
    expect(view).toMatchObject({ state: 'failed', code: 'protected-account' });
    expect(view.reason).toContain('never changes their photo');
  });

  it('falls back to the recorded message for a code HR words do not know', () => {
    const state = row({ lastOutcome: 'dead-lettered', lastErrorCode: 'odd', lastErrorMessage: 'Something odd' });
    expect(describeTarget('exchange', state, undefined, on)).toMatchObject({
      state: 'failed',
      reason: 'Something odd',
    });
  });

  it('is waiting when Microsoft 365 asked us to slow down', () => {
    const state = row({
      lastOutcome: 'rescheduled',
      lastErrorCode: 'throttled',
      updatedAt: '2026-12-02T11:30:00.000Z',
    });
    expect(describeTarget('sharepoint', state, drop, on)).toMatchObject({ state: 'waiting', code: 'throttled' });
  });

  it('is off when the target is switched off, and none when nothing was ever dropped or written', () => {
    expect(describeTarget('sharepoint', undefined, drop, { enabled: false, now })).toMatchObject({ state: 'off' });
    expect(describeTarget('exchange', undefined, undefined, on)).toMatchObject({ state: 'none' });
  });

  it('is removed after HR had the photo removed, until a newer drop', () => {
    const state = row({
      lastOutcome: 'removed',
      removedAt: '2026-12-02T11:30:00.000Z',
      updatedAt: '2026-12-02T11:30:00.000Z',
    });
    expect(describeTarget('exchange', state, undefined, on)).toMatchObject({
      state: 'removed',
      at: '2026-12-02T11:30:00.000Z',
    });
    // The photo beside it is what Graph serves now, which can still be the removed one: HR is told so.
    expect(describeTarget('exchange', state, undefined, on).reason).toMatch(/can go on showing the old one/);
    const newer = { ...drop, droppedAt: '2026-12-02T11:45:00.000Z', contentHash: 'h2' };
    expect(describeTarget('exchange', state, newer, on)).toMatchObject({ state: 'pending' });
  });
});
