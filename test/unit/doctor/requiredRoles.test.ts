import { requiredRoles } from '../../../src/doctor/requiredRoles';

describe('requiredRoles', () => {
  const both = { exchange: true, sharePoint: true };

  it('asks for a group-read permission only when a protected-accounts group is configured', () => {
    const groupRead = (roles: ReturnType<typeof requiredRoles>) =>
      roles.filter((r) => r.anyOf.includes('GroupMember.Read.All'));
    expect(groupRead(requiredRoles(both))).toEqual([]);
    expect(groupRead(requiredRoles({ ...both, protectedAccounts: true }))).toEqual([
      expect.objectContaining({
        resource: 'graph',
        anyOf: ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All'],
      }),
    ]);
  });
});
