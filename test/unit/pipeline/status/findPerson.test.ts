import { findPerson, MAX_CANDIDATES } from '../../../../src/pipeline/status/findPerson';
import type { PeopleSearchPort, StatusPerson } from '../../../../src/pipeline/status/StatusPorts';

const people: StatusPerson[] = [
  {
    id: '11111111-1111-4111-8111-111111111111',
    userPrincipalName: 'adele.vance@contoso.com',
    displayName: 'Adele Vance',
    employeeId: 'E1001',
  },
  {
    id: '22222222-2222-4222-8222-222222222222',
    userPrincipalName: 'pat.smith@contoso.com',
    displayName: 'Pat Smith',
    employeeId: 'E2',
  },
  {
    id: '33333333-3333-4333-8333-333333333333',
    userPrincipalName: 'pat.smithers@contoso.com',
    displayName: 'Pat Smithers',
    employeeId: 'E2',
  },
];

const directory = (list: StatusPerson[]): PeopleSearchPort => ({
  findUserById: (id) => Promise.resolve(list.find((p) => p.id === id)),
  findUserByPrincipalName: (upn) => Promise.resolve(list.find((p) => p.userPrincipalName === upn.toLowerCase())),
  findUsersByEmployeeId: (e) => Promise.resolve(list.filter((p) => p.employeeId === e)),
  searchByName: (text, limit) =>
    Promise.resolve(list.filter((p) => p.displayName?.toLowerCase().startsWith(text.toLowerCase())).slice(0, limit)),
});

describe('findPerson', () => {
  it('finds one person by object id, UPN, employee id or the start of their name', async () => {
    for (const query of [people[0]?.id ?? '', 'Adele.Vance@contoso.com', 'E1001', 'adele', '  Adele Vance ']) {
      await expect(findPerson(query, directory(people))).resolves.toEqual({ kind: 'found', person: people[0] });
    }
  });

  it('answers nobody with a sentence, not a guess', async () => {
    await expect(findPerson('Zed', directory(people))).resolves.toEqual({
      kind: 'none',
      message: 'Nobody in the directory matches "Zed". Check the spelling, or try their e-mail address.',
    });
  });

  it('lists the candidates when several people match (a shared employee id is a data problem shown, not resolved)', async () => {
    for (const query of ['Pat Smith', 'E2']) {
      const result = await findPerson(query, directory(people));
      expect(result).toMatchObject({ kind: 'many', message: `2 people match "${query}": pick one.` });
      expect(result.kind === 'many' && result.people.map((p) => p.displayName)).toEqual(['Pat Smith', 'Pat Smithers']);
    }
  });

  it('asks for more of the name when too many people match', async () => {
    const many = Array.from({ length: MAX_CANDIDATES + 5 }, (_, i) => ({
      id: `id-${i}`,
      userPrincipalName: `sam${i}@contoso.com`,
      displayName: `Sam ${i}`,
    }));
    const result = await findPerson('Sam', directory(many));
    expect(result).toMatchObject({ kind: 'many' });
    expect(result.kind === 'many' && result.people).toHaveLength(MAX_CANDIDATES);
    expect(result.kind === 'many' && result.message).toContain('type more of the name');
  });

  it('refuses a query too short to mean anyone', async () => {
    await expect(findPerson(' a ', directory(people))).resolves.toMatchObject({ kind: 'invalid' });
  });
});
