import { personStatus, type PersonStatusOptions } from '../../../../src/pipeline/status/personStatus';
import type { DropRecord } from '../../../../src/pipeline/status/StatusPorts';
import type { PhotoState } from '../../../../src/pipeline/write/PhotoStatePort';

const person = { id: 'u1', userPrincipalName: 'diego@contoso.example', displayName: 'Diego Siciliani' };
const drop: DropRecord = {
  name: 'diego.jpg',
  droppedAt: '2026-12-02T11:00:00.000Z',
  outcome: 'accepted',
  location: 'photos-archive/2026/12/02/diego.jpg',
  userId: 'u1',
  contentHash: 'h1',
};
const failed = (target: PhotoState['target'], code: string): PhotoState => ({
  userId: 'u1',
  target,
  lastOutcome: 'permanent-failure',
  lastContentHash: 'h1',
  lastErrorCode: code,
  updatedAt: '2026-12-02T11:00:05.000Z',
});

function options(rows: PhotoState[], protectedIds: string[] = []): PersonStatusOptions {
  return {
    state: { listForUser: () => Promise.resolve(rows) },
    drops: { lastDropFor: () => Promise.resolve(drop) },
    protectedAccounts: { isProtected: (id) => Promise.resolve(protectedIds.includes(id)) },
    targets: { exchange: true, sharePoint: true },
    now: new Date('2026-12-02T12:00:00Z'),
  };
}

describe('personStatus', () => {
  it('offers another try for a failed target of an ordinary account', async () => {
    const status = await personStatus(person, options([failed('exchange', 'graph-error')]));
    expect(status).toMatchObject({ canRetry: true, protectedAccount: false });
  });

  it('marks a protected account and offers no try that would fail the same way', async () => {
    const status = await personStatus(person, options([failed('exchange', 'protected-account')], ['u1']));
    expect(status).toMatchObject({ canRetry: false, protectedAccount: true });
  });

  it('is not protected when the tenant names no protected-accounts group', async () => {
    const { protectedAccounts: _none, ...withoutGroup } = options([]);
    await expect(personStatus(person, withoutGroup)).resolves.toMatchObject({ protectedAccount: false });
  });
});
