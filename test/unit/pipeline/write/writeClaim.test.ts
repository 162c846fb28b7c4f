// The claim on a person's PhotoSyncState row that keeps two instances from writing one person's photo at once.

import { writePhotoToTarget, type WriteRequest } from '../../../../src/pipeline/write/writePhotoToTarget';
import { InMemoryPhotoState, m365Failure } from './writeTestDoubles';

const NOW = new Date('2026-11-23T10:00:00Z');
const USER_ID = '11111111-1111-4111-8111-111111111111';
// Content hashes are sha256-shaped, as the message checks require.
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const HASH_C = 'c'.repeat(64);
const HASH_D = 'd'.repeat(64);

function request(
  perform: () => Promise<Record<string, never>>,
  overrides: { attempt?: number; contentHash?: string; receivedAt?: string; deliveryKey?: string } = {},
): WriteRequest {
  const attempt = overrides.attempt ?? 0;
  return {
    target: 'exchange',
    subject: {
      userId: USER_ID,
      userPrincipalName: 'adele@contoso.com',
      contentHash: overrides.contentHash ?? HASH_A,
      receivedAt: overrides.receivedAt ?? '2026-11-23T09:59:00.000Z',
      attempt,
      ...(overrides.deliveryKey === undefined ? {} : { deliveryKey: overrides.deliveryKey }),
    },
    perform,
  };
}

function setup() {
  const state = new InMemoryPhotoState();
  const deps = { state, now: () => NOW, decisionOptions: { random: () => 0.5 } };
  return { state, deps };
}

const claimedBy = (id: string, expiresAt: Date) => ({
  writeClaimId: id,
  writeClaimExpiresAt: expiresAt.toISOString(),
});

describe('the write claim', () => {
  it('steps back, sending nothing, while another writer holds an unexpired claim', async () => {
    const { state, deps } = setup();
    await state.update(USER_ID, 'exchange', () => claimedBy('other', new Date(NOW.getTime() + 60_000)));
    const perform = jest.fn(() => Promise.resolve({}));

    const result = await writePhotoToTarget(request(perform), deps);

    expect(result).toMatchObject({ outcome: 'rescheduled', code: 'write-claim-held' });
    // By object id: this text reaches the writer's log line, which carries no UPN (docs/telemetry.md).
    expect(result.message).toMatch(
      /Another writer is writing user 11111111-1111-4111-8111-111111111111's exchange photo/,
    );
    expect(result.message).not.toContain('adele@contoso.com');
    expect(perform).not.toHaveBeenCalled();
    // Backoff with the test's random 0.5: half of 5 s × 2^0, so the message comes back once the claim may be gone.
    expect(result.delayMs).toBe(2_500);
    expect(await state.get(USER_ID, 'exchange')).toMatchObject({
      writeClaimId: 'other',
    });
  });

  it('takes over a claim that lapsed (its writer crashed) and releases it when done', async () => {
    const { state, deps } = setup();
    await state.update(USER_ID, 'exchange', () => claimedBy('crashed', new Date(NOW.getTime() - 1)));
    const perform = jest.fn(() => Promise.resolve({}));

    await expect(writePhotoToTarget(request(perform), deps)).resolves.toEqual({ outcome: 'written' });

    expect(perform).toHaveBeenCalledTimes(1);
    expect(await state.get(USER_ID, 'exchange')).toMatchObject({
      lastContentHash: HASH_A,
      writeClaimId: '',
      writeClaimExpiresAt: '',
    });
  });

  it("takes over at once the claim its own message's earlier delivery left (that instance died)", async () => {
    const { state, deps } = setup();
    await state.update(USER_ID, 'exchange', () =>
      claimedBy(`corr-1/${HASH_A}/0 dead-run`, new Date(NOW.getTime() + 60_000)),
    );
    const perform = jest.fn(() => Promise.resolve({}));

    const redelivery = request(perform, { deliveryKey: `corr-1/${HASH_A}/0` });
    await expect(writePhotoToTarget(redelivery, deps)).resolves.toEqual({ outcome: 'written' });

    expect(perform).toHaveBeenCalledTimes(1);
    expect(await state.get(USER_ID, 'exchange')).toMatchObject({
      lastContentHash: HASH_A,
      writeClaimId: '',
    });
  });

  it("never takes over another message's claim, even one for the same photo", async () => {
    const { state, deps } = setup();
    await state.update(USER_ID, 'exchange', () =>
      claimedBy(`corr-1/${HASH_A}/0 running`, new Date(NOW.getTime() + 60_000)),
    );
    const perform = jest.fn(() => Promise.resolve({}));

    for (const deliveryKey of [`corr-2/${HASH_A}/0`, `corr-1/${HASH_A}/1`, `corr-1/${HASH_A}`]) {
      const result = await writePhotoToTarget(request(perform, { deliveryKey }), deps);
      expect(result).toMatchObject({ outcome: 'rescheduled', code: 'write-claim-held' });
    }
    expect(perform).not.toHaveBeenCalled();
    expect(await state.get(USER_ID, 'exchange')).toMatchObject({
      writeClaimId: `corr-1/${HASH_A}/0 running`,
    });
  });

  it('holds the row while the write runs, so a concurrent write for the same person waits its turn', async () => {
    const { state, deps } = setup();
    let finishFirst: () => void = () => undefined;
    const first = writePhotoToTarget(
      request(() => new Promise((resolve) => (finishFirst = () => resolve({})))),
      deps,
    );
    // Let the first write claim the row and start.
    await new Promise(setImmediate);
    const during = await state.get(USER_ID, 'exchange');
    expect(during?.writeClaimId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(during?.writeClaimExpiresAt ?? '')).toBe(NOW.getTime() + 5 * 60_000);

    const secondPerform = jest.fn(() => Promise.resolve({}));
    const second = await writePhotoToTarget(
      request(secondPerform, {
        contentHash: HASH_B,
        receivedAt: '2026-11-23T09:59:30.000Z',
      }),
      deps,
    );
    expect(second).toMatchObject({ outcome: 'rescheduled', code: 'write-claim-held' });
    expect(secondPerform).not.toHaveBeenCalled();

    finishFirst();
    await expect(first).resolves.toEqual({ outcome: 'written' });
    // The rescheduled message comes back and now writes the newer photo.
    await expect(
      writePhotoToTarget(
        request(secondPerform, {
          attempt: 1,
          contentHash: HASH_B,
          receivedAt: '2026-11-23T09:59:30.000Z',
        }),
        deps,
      ),
    ).resolves.toEqual({ outcome: 'written' });
    expect(await state.get(USER_ID, 'exchange')).toMatchObject({
      lastContentHash: HASH_B,
      writeClaimId: '',
    });
  });

  it('is released after a skip, a recorded failure and an error thrown to the host', async () => {
    const { state, deps } = setup();
    await writePhotoToTarget(
      request(() => Promise.resolve({})),
      deps,
    );
    await expect(
      writePhotoToTarget(
        request(() => Promise.resolve({})),
        deps,
      ),
    ).resolves.toEqual({
      outcome: 'skipped-duplicate',
    });
    expect((await state.get(USER_ID, 'exchange'))?.writeClaimId).toBe('');

    const forbidden = request(() => Promise.reject(m365Failure({ status: 403 })), {
      contentHash: HASH_C,
    });
    await expect(writePhotoToTarget(forbidden, deps)).resolves.toMatchObject({ outcome: 'permanent-failure' });
    expect((await state.get(USER_ID, 'exchange'))?.writeClaimId).toBe('');

    const broken = request(() => Promise.reject(m365Failure({ status: 501 })), {
      contentHash: HASH_D,
    });
    await expect(writePhotoToTarget(broken, deps)).rejects.toThrow('HTTP 501');
    expect((await state.get(USER_ID, 'exchange'))?.writeClaimId).toBe('');
  });

  it('leaves alone a claim another writer took over after ours lapsed', async () => {
    const { state, deps } = setup();
    const result = await writePhotoToTarget(
      request(async () => {
        await state.update(USER_ID, 'exchange', () => claimedBy('successor', new Date(NOW.getTime() + 60_000)));
        return {};
      }),
      deps,
    );
    expect(result).toEqual({ outcome: 'written' });
    expect(await state.get(USER_ID, 'exchange')).toMatchObject({
      lastContentHash: HASH_A,
      writeClaimId: 'successor',
    });
  });

  it('parks the message with the cause when the claim stays held through every attempt', async () => {
    const { state, deps } = setup();
    await state.update(USER_ID, 'exchange', () => claimedBy('stuck', new Date(NOW.getTime() + 60_000)));
    const result = await writePhotoToTarget(
      request(() => Promise.resolve({}), { attempt: 9 }),
      deps,
    );
    expect(result).toMatchObject({ outcome: 'dead-lettered', code: 'write-claim-held' });
    expect(result.message).toMatch(/through 10 attempts/);
  });

  it('takes a claim it finds already its own (applied, reply lost, change run again on the row read back)', async () => {
    const { state, deps } = setup();
    // The store's conflict retry after a lost reply: the first patch is stored, then `change` sees the stored row.
    const update = state.update.bind(state);
    let lostReplies = 0;
    jest.spyOn(state, 'update').mockImplementation(async (userId, target, change) => {
      if (lostReplies > 0) return update(userId, target, change);
      lostReplies += 1;
      await update(userId, target, change);
      return update(userId, target, change);
    });
    const perform = jest.fn(() => Promise.resolve({}));

    await expect(writePhotoToTarget(request(perform), deps)).resolves.toEqual({ outcome: 'written' });

    expect(perform).toHaveBeenCalledTimes(1);
    expect(await state.get(USER_ID, 'exchange')).toMatchObject({
      lastContentHash: HASH_A,
      writeClaimId: '',
    });
  });
});
