import { GraphDirectory } from '../../../src/m365/GraphDirectory';
import type { GraphUser } from '../../../src/m365/GraphClient';

const adele: GraphUser = {
  id: 'id-adele',
  userPrincipalName: 'Adele@contoso.com',
  employeeId: 'E1',
  mail: 'adele@contoso.com',
};

/** A directory of one user that counts the lookups it answers. */
function fakeGraph() {
  const calls: string[] = [];
  let failNext = false;
  return {
    calls,
    failOnce: () => (failNext = true),
    getUser(idOrUpn: string): Promise<GraphUser | undefined> {
      calls.push(`user:${idOrUpn}`);
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('throttled'));
      }
      const key = idOrUpn.toLowerCase();
      return Promise.resolve(key === adele.id || key === adele.userPrincipalName.toLowerCase() ? adele : undefined);
    },
    findUsersByEmployeeId(employeeId: string): Promise<GraphUser[]> {
      calls.push(`employee:${employeeId}`);
      return Promise.resolve(employeeId === 'E1' ? [adele] : []);
    },
  };
}

describe('GraphDirectory', () => {
  it('answers repeated lookups of a user from its cache', async () => {
    const graph = fakeGraph();
    const directory = new GraphDirectory(graph);
    expect(await directory.findUserByPrincipalName('adele@CONTOSO.com')).toMatchObject({ id: 'id-adele' });
    expect(await directory.findUserByPrincipalName('ADELE@contoso.com')).toMatchObject({ id: 'id-adele' });
    expect(await directory.findUsersByEmployeeId('E1')).toHaveLength(1);
    expect(await directory.findUsersByEmployeeId('E1')).toHaveLength(1);
    expect(graph.calls).toEqual(['user:adele@CONTOSO.com', 'employee:E1']);
  });

  it('asks again once the TTL has passed, and sooner for a user that was not found', async () => {
    const graph = fakeGraph();
    let now = 0;
    const directory = new GraphDirectory(graph, { ttlMs: 1_000, missTtlMs: 100, now: () => now });
    await directory.findUserById('id-adele');
    expect(await directory.findUserById('nobody')).toBeUndefined();
    now = 500;
    await directory.findUserById('id-adele');
    await directory.findUserById('nobody');
    expect(graph.calls).toEqual(['user:id-adele', 'user:nobody', 'user:nobody']);
    now = 1_500;
    await directory.findUserById('id-adele');
    expect(graph.calls.filter((c) => c === 'user:id-adele')).toHaveLength(2);
  });

  it('does not cache a failed lookup', async () => {
    const graph = fakeGraph();
    const directory = new GraphDirectory(graph);
    graph.failOnce();
    await expect(directory.findUserById('id-adele')).rejects.toThrow('throttled');
    expect(await directory.findUserById('id-adele')).toMatchObject({ userPrincipalName: 'Adele@contoso.com' });
  });

  it('does not return a user found by object id when asked for that string as a UPN', async () => {
    const directory = new GraphDirectory(fakeGraph());
    expect(await directory.findUserByPrincipalName('id-adele')).toBeUndefined();
  });
});
