import { purgeDepartedPeople, type PurgeDepartedPorts } from '../../../../src/pipeline/status/purgeDepartedPeople';
import { photoRemovalMessage } from '../../../../src/pipeline/status/removalMessages';
import type { QueueSend } from '../../../../src/pipeline/messages/Decision';
import { InMemoryRemovalAudit } from './removalTestDoubles';

const gone = '33333333-3333-4333-8333-333333333333';
const here = '44444444-4444-4444-8444-444444444444';
const DAY = 24 * 60 * 60 * 1000;

function setup() {
  const clock = { now: new Date('2026-12-02T03:17:00Z') };
  const audit = new InMemoryRemovalAudit();
  const sent: QueueSend[] = [];
  const directory = new Map([[here, 'here@contoso.com']]);
  const ports: PurgeDepartedPorts = {
    listPeopleWithStoredPhotos: () => Promise.resolve([gone, here]),
    findUserPrincipalName: (id) => Promise.resolve(directory.get(id)),
    lastKnownUserPrincipalName: () => Promise.resolve('gone@contoso.com'),
    audit,
    send: (sends) => {
      sent.push(...sends);
      return Promise.resolve();
    },
    now: () => clock.now,
    retentionDays: 30,
  };
  return { clock, audit, sent, ports, directory };
}

describe('purgeDepartedPeople', () => {
  it('schedules a person who left for deletion after the retention, and asks for it once it is due', async () => {
    const { clock, audit, sent, ports } = setup();
    expect(await purgeDepartedPeople(ports)).toEqual({ checked: 2, scheduled: 1, cancelled: 0, requested: 0 });
    expect(await audit.get(gone, 'retention')).toMatchObject({
      status: 'scheduled',
      userPrincipalName: 'gone@contoso.com',
      requestedBy: 'retention policy',
      dueAt: '2027-01-01T03:17:00.000Z',
    });
    expect(await audit.get(here, 'retention')).toBeUndefined();

    clock.now = new Date(clock.now.getTime() + 29 * DAY);
    expect((await purgeDepartedPeople(ports)).requested).toBe(0);
    expect(sent).toEqual([]);

    clock.now = new Date(clock.now.getTime() + DAY);
    expect((await purgeDepartedPeople(ports)).requested).toBe(1);
    expect(sent).toEqual([{ queue: 'photoRemovals', message: photoRemovalMessage(gone, 'retention') }]);
    expect((await audit.get(gone, 'retention'))?.status).toBe('requested');
    // Requested once: a pass while the removal runs does not queue it again.
    await purgeDepartedPeople(ports);
    expect(sent).toHaveLength(1);
  });

  it('cancels the schedule of a person who came back, and deletes nothing', async () => {
    const { clock, audit, sent, ports, directory } = setup();
    await purgeDepartedPeople(ports);
    directory.set(gone, 'gone@contoso.com');
    clock.now = new Date(clock.now.getTime() + 31 * DAY);
    expect((await purgeDepartedPeople(ports)).cancelled).toBe(1);
    expect((await audit.get(gone, 'retention'))?.status).toBe('cancelled');
    expect(sent).toEqual([]);
  });

  it('asks again for a retention removal that failed (its cause may be fixed by now)', async () => {
    const { audit, sent, ports } = setup();
    await purgeDepartedPeople(ports);
    const record = await audit.get(gone, 'retention');
    if (!record) throw new Error('not scheduled');
    await audit.save({ ...record, status: 'failed', lastErrorCode: 'AccessDenied' });
    expect((await purgeDepartedPeople(ports)).requested).toBe(1);
    expect(sent).toHaveLength(1);
  });
});
