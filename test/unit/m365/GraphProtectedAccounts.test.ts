import { GraphProtectedAccounts } from '../../../src/m365/GraphProtectedAccounts';
import { M365RequestError } from '../../../src/m365/M365RequestError';

const groupId = 'b7c8d9e0-0000-4000-8000-00000000aaaa';

/** A directory with group members and deleted users, answering as checkMemberGroups does. */
function directory(members: string[], deleted: string[] = []) {
  const calls: string[] = [];
  return {
    calls,
    checkMemberGroups(userId: string, groupIds: string[]): Promise<string[]> {
      calls.push(userId);
      if (deleted.includes(userId)) {
        const notFound = { service: 'graph' as const, status: 404, code: 'Request_ResourceNotFound', message: 'gone' };
        return Promise.reject(new M365RequestError(notFound));
      }
      if (userId === 'throttled') {
        return Promise.reject(
          new M365RequestError({ service: 'graph', status: 429, code: 'TooManyRequests', message: '' }),
        );
      }
      return Promise.resolve(members.includes(userId) ? groupIds.map((g) => g.toUpperCase()) : []);
    },
  };
}

describe('GraphProtectedAccounts', () => {
  it('says a member is protected and others are not, asking Graph once a minute per person', async () => {
    let now = 0;
    const graph = directory(['ceo']);
    const accounts = new GraphProtectedAccounts(graph, groupId, { ttlMs: 60_000, now: () => now });
    expect([await accounts.isProtected('ceo'), await accounts.isProtected('adele')]).toEqual([true, false]);
    expect(await accounts.isProtected('ceo')).toBe(true);
    expect(graph.calls).toEqual(['ceo', 'adele']);
    now = 60_001;
    await accounts.isProtected('ceo');
    expect(graph.calls).toEqual(['ceo', 'adele', 'ceo']);
  });

  it('treats a person no longer in the directory as in no group, and throws anything else for a retry', async () => {
    const accounts = new GraphProtectedAccounts(directory([], ['gone']), groupId);
    await expect(accounts.isProtected('gone')).resolves.toBe(false);
    await expect(accounts.isProtected('throttled')).rejects.toMatchObject({ status: 429 });
  });
});
