import { parseDropsQuery, recentDrops } from '../../../../src/pipeline/status/recentDrops';
import type { DropRecord } from '../../../../src/pipeline/status/StatusPorts';

const now = new Date('2026-12-08T12:00:00Z');
const drops: DropRecord[] = [
  {
    name: 'old.jpg',
    droppedAt: '2026-11-20T10:00:00.000Z',
    outcome: 'accepted',
    location: 'photos-archive/2026/11/20/old.jpg',
  },
  {
    name: 'a.jpg',
    droppedAt: '2026-12-07T10:00:00.000Z',
    outcome: 'accepted',
    location: 'photos-archive/2026/12/07/a.jpg',
    userId: 'u1',
  },
  {
    name: 'b.jpg',
    droppedAt: '2026-12-08T09:00:00.000Z',
    outcome: 'rejected',
    location: 'photos-rejected/b.jpg',
    rejectionCode: 'too-small',
    rejectionMessage: 'The photo is 40x40 pixels; it must be at least 96 pixels on each side.',
  },
];
const ledger = { listDrops: () => Promise.resolve(drops) };

describe('recentDrops', () => {
  it('lists the last 7 days newest first, with the rejection reason', async () => {
    const rows = await recentDrops({ days: 7 }, { drops: ledger, now });
    expect(rows.map((r) => r.name)).toEqual(['b.jpg', 'a.jpg']);
    expect(rows[0]?.reason).toBe('The photo is 40x40 pixels; it must be at least 96 pixels on each side.');
    expect(rows[1]?.reason).toBeUndefined();
  });

  it('filters by outcome', async () => {
    const rows = await recentDrops({ days: 30, outcome: 'accepted' }, { drops: ledger, now });
    expect(rows.map((r) => r.name)).toEqual(['a.jpg', 'old.jpg']);
  });
});

describe('parseDropsQuery', () => {
  it('defaults to 7 days and all outcomes', () => {
    expect(parseDropsQuery(null, null)).toEqual({ ok: true, query: { days: 7 } });
  });

  it('refuses days out of range and unknown outcomes with a message', () => {
    expect(parseDropsQuery('0', null)).toMatchObject({ ok: false });
    expect(parseDropsQuery('1.5', null)).toMatchObject({ ok: false });
    expect(parseDropsQuery('7', 'lost')).toEqual({
      ok: false,
      message: 'outcome must be accepted or rejected; received "lost".',
    });
  });
});
