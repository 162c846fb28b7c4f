import type { RejectionRecord } from '../../../../src/pipeline/ingest/ingestPhoto';
import {
  isRemovalRequestName,
  receiveRemovalFile,
  type RemovalFilePorts,
} from '../../../../src/pipeline/status/receiveRemovalFile';
import type { QueueSend } from '../../../../src/pipeline/messages/Decision';
import type { StatusPerson } from '../../../../src/pipeline/status/StatusPorts';
import { InMemoryPhotoState } from '../write/writeTestDoubles';
import { InMemoryRemovalAudit } from './removalTestDoubles';

const adele: StatusPerson = {
  id: '55555555-5555-4555-8555-555555555555',
  userPrincipalName: 'adele@contoso.com',
  employeeId: 'E1',
  displayName: 'Adele Vance',
};
const twin: StatusPerson = { id: '66666666-6666-4666-8666-666666666666', userPrincipalName: 'a2@contoso.com' };

function setup(metadata: Record<string, string> = {}) {
  const audit = new InMemoryRemovalAudit();
  const sent: QueueSend[] = [];
  const deleted: string[] = [];
  const rejected: { name: string; rejection: RejectionRecord }[] = [];
  const people = [adele, twin];
  const ports: RemovalFilePorts = {
    state: new InMemoryPhotoState(),
    audit,
    send: (sends) => {
      sent.push(...sends);
      return Promise.resolve();
    },
    now: () => new Date('2026-12-02T09:00:00Z'),
    newRequestId: () => 'req-file',
    store: {
      probeOriginal: () =>
        Promise.resolve({ etag: '"e1"', metadata, contentLength: 10, lastModified: new Date('2026-12-02T09:00:00Z') }),
      deleteOriginal: (name) => {
        deleted.push(name);
        return Promise.resolve();
      },
      rejectOriginal: (name, rejection) => {
        rejected.push({ name, rejection });
        return Promise.resolve(`photos-rejected/${name}`);
      },
    },
    people: {
      findUserById: (id) => Promise.resolve(people.find((p) => p.id === id)),
      findUserByPrincipalName: (upn) => Promise.resolve(people.find((p) => p.userPrincipalName === upn)),
      findUsersByEmployeeId: (id) =>
        Promise.resolve(id === 'E9' ? [adele, twin] : people.filter((p) => p.employeeId === id)),
    },
  };
  return { ports, audit, sent, deleted, rejected };
}

const file = (blobName: string, text = '') => ({ blobName, bytes: Buffer.from(text), correlationId: 'c-1' });

describe('receiveRemovalFile', () => {
  it('knows a removal request by its .remove ending', () => {
    expect(isRemovalRequestName('adele@contoso.com.remove')).toBe(true);
    expect(isRemovalRequestName('batch/E1.REMOVE')).toBe(true);
    expect(isRemovalRequestName('.remove')).toBe(false);
    expect(isRemovalRequestName('adele@contoso.com.jpg')).toBe(false);
  });

  it('refuses to remove the photo of a protected account, with the reason beside the file, and asks for nothing', async () => {
    const { ports, audit, sent, deleted, rejected } = setup();
    const guarded = { ...ports, protectedAccounts: { isProtected: (id: string) => Promise.resolve(id === adele.id) } };
    const outcome = await receiveRemovalFile(file('adele@contoso.com.remove', 'Left'), guarded);
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'protected-account' });
    expect(rejected[0]?.rejection.message).toContain('Nothing was removed');
    expect([sent, deleted, await audit.listForUser(adele.id)]).toEqual([[], [], []]);
    // Someone else is removed as before.
    await expect(receiveRemovalFile(file('a2@contoso.com.remove'), guarded)).resolves.toMatchObject({
      kind: 'removal-requested',
    });
  });

  it('asks for the removal of the person the file names, with its text as the reason, then deletes the file', async () => {
    const { ports, audit, sent, deleted } = setup({ requestedby: 'hr.ops@contoso.com' });
    const outcome = await receiveRemovalFile(file('adele@contoso.com.remove', '  Left\n the company '), ports);
    expect(outcome.kind).toBe('removal-requested');
    expect(await audit.get(adele.id, 'req-file')).toMatchObject({
      requestedBy: 'hr.ops@contoso.com',
      via: 'removal-file:adele@contoso.com.remove',
      reason: 'Left the company',
      status: 'requested',
    });
    expect(sent).toHaveLength(1);
    expect(deleted).toEqual(['adele@contoso.com.remove']);
  });

  it('matches by object id and employee id too, but never guesses from a display name', async () => {
    expect((await receiveRemovalFile(file(`${adele.id}.remove`), setup().ports)).kind).toBe('removal-requested');
    expect((await receiveRemovalFile(file('E1.remove'), setup().ports)).kind).toBe('removal-requested');
    const byName = setup();
    const outcome = await receiveRemovalFile(file('Adele Vance.remove'), byName.ports);
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'unknown-user' });
    expect(byName.sent).toEqual([]);
  });

  it('rejects a file naming nobody, or several people, with the reason, and removes nobody', async () => {
    const unknown = setup();
    await receiveRemovalFile(file('nobody@contoso.com.remove'), unknown.ports);
    expect(unknown.rejected[0]?.rejection).toMatchObject({ code: 'unknown-user' });
    expect(unknown.sent).toEqual([]);
    expect(unknown.audit.records.size).toBe(0);

    const twins = setup();
    await receiveRemovalFile(file('E9.remove'), twins.ports);
    expect(twins.rejected[0]?.rejection).toMatchObject({ code: 'ambiguous-user' });
    expect(twins.sent).toEqual([]);
  });
});
