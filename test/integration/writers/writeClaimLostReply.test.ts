// The write claim when Table storage applies it but its reply is lost (a reset connection under load): the SDK
// tries the request again, which now fails its precondition (409 on create, 412 on If-Match), PhotoStateStore reads
// the row again and finds the claim it wrote itself. Taken for another writer's, it left the person's write
// rescheduled again and again behind its own claim until the claim lapsed (functionTimeout, 5 min): the one Exchange
// write of `npm run bench:e2e` that stayed missing from 269 s to the end of the run.

import { RestError, TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { startAzurite, type Azurite } from '../../../dev/azurite';
import { writePhotoToTarget, type WriteRequest } from '../../../src/pipeline/write/writePhotoToTarget';
import { PhotoStateStore } from '../../../src/storage/PhotoStateStore';
import { uniqueName } from '../../support/localStackFixture';

let azurite: Azurite;

beforeAll(async () => {
  azurite = await startAzurite({ ports: 'ephemeral', persistence: 'memory' });
});

afterAll(async () => {
  await azurite?.stop();
});

type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

/** Lets the first write (create or merge) of the row reach Azurite, then loses its reply like a reset socket. */
function loseFirstWriteReply(): PipelinePolicy & { lost: number } {
  const policy = {
    name: 'lose-first-write-reply',
    lost: 0,
    async sendRequest(...[request, next]: Parameters<PipelinePolicy['sendRequest']>) {
      const response = await next(request);
      if (policy.lost === 0 && request.method !== 'GET' && response.status < 300 && /PhotoState/i.test(request.url)) {
        policy.lost += 1;
        throw new RestError('socket hang up', { code: 'ECONNRESET', request });
      }
      return response;
    },
  };
  return policy;
}

function storeLosingFirstReply(): { states: PhotoStateStore; fault: ReturnType<typeof loseFirstWriteReply> } {
  const fault = loseFirstWriteReply();
  const table = TableClient.fromConnectionString(azurite.connectionString, uniqueName('PhotoState').replace(/-/g, ''), {
    allowInsecureConnection: true,
    // perRetry: below the SDK's retry policy, so the SDK itself sends the request again, as it would on a real reset.
    additionalPolicies: [{ policy: fault, position: 'perRetry' }],
  });
  return { states: new PhotoStateStore(table), fault };
}

function exchangeWrite(perform: () => Promise<Record<string, never>>): WriteRequest {
  return {
    target: 'exchange',
    subject: {
      userId: 'u-lost-reply',
      userPrincipalName: 'adele@contoso.com',
      contentHash: 'hash-a',
      receivedAt: '2026-12-02T13:00:00.000Z',
      attempt: 0,
    },
    perform,
  };
}

describe('the write claim when its reply is lost', () => {
  it('recognises its own claim and writes, instead of stepping back from itself until the claim lapses', async () => {
    const { states, fault } = storeLosingFirstReply();
    const perform = jest.fn(() => Promise.resolve({}));

    const result = await writePhotoToTarget(exchangeWrite(perform), { state: states });

    expect(fault.lost).toBe(1);
    expect(result).toEqual({ outcome: 'written' });
    expect(perform).toHaveBeenCalledTimes(1);
    // Released: the person's next photo is not held up either.
    expect(await states.get('u-lost-reply', 'exchange')).toMatchObject({
      lastOutcome: 'written',
      lastContentHash: 'hash-a',
      writeClaimId: '',
      writeClaimExpiresAt: '',
    });
  });

  it('does the same when the row exists and the lost reply is the If-Match merge', async () => {
    const { states, fault } = storeLosingFirstReply();
    // An earlier photo's row: the claim is then an If-Match merge, whose retry answers 412.
    fault.lost = -1;
    await states.update('u-lost-reply', 'exchange', () => ({ lastContentHash: 'hash-0', lastOutcome: 'written' }));
    fault.lost = 0;
    const perform = jest.fn(() => Promise.resolve({}));

    const result = await writePhotoToTarget(exchangeWrite(perform), { state: states });

    expect(fault.lost).toBe(1);
    expect(result).toEqual({ outcome: 'written' });
    expect(perform).toHaveBeenCalledTimes(1);
    expect(await states.get('u-lost-reply', 'exchange')).toMatchObject({ lastContentHash: 'hash-a', writeClaimId: '' });
  });
});
