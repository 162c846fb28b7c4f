import { planSoak, soakProfiles, type SoakAction } from '../../../../dev/soak/soakPlan';

const short = soakProfiles.short;

describe('planSoak', () => {
  it('gives the same plan for the same seed, and another plan for another seed', () => {
    expect(planSoak(7, short)).toEqual(planSoak(7, short));
    expect(planSoak(8, short).actions).not.toEqual(planSoak(7, short).actions);
  });

  it('keeps the actions in time order and inside the chaos phase', () => {
    const { actions } = planSoak(11, short);
    const times = actions.map((a) => a.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.max(...times)).toBeLessThan(short.durationMs);
  });

  it("spaces one person's photos at least 1.5 s apart so the newest is never a tie of whole seconds", () => {
    const { actions, roles } = planSoak(3, short);
    roles.forEach((_role, user) => {
      const mine = actions
        .filter((a): a is Extract<SoakAction, { kind: 'drop' | 'change' }> => a.kind === 'drop' || a.kind === 'change')
        .filter((a) => a.user === user)
        .map((a) => a.at);
      expect(mine.length).toBeGreaterThan(0);
      for (let i = 1; i < mine.length; i += 1)
        expect((mine[i] ?? 0) - (mine[i - 1] ?? 0)).toBeGreaterThanOrEqual(1_500);
    });
  });

  it('kills, and stops storage and Microsoft 365, as often as the profile says', () => {
    const { actions } = planSoak(5, short);
    const count = (kind: SoakAction['kind']): number => actions.filter((a) => a.kind === kind).length;
    expect(count('kill')).toBeGreaterThanOrEqual(Math.floor(short.durationMs / short.killIntervalMs[1]) - 1);
    expect(count('storage-outage')).toBe(short.storageOutages);
    expect(count('m365-outage')).toBe(short.m365Outages);
    for (const action of actions)
      if (action.kind === 'kill') {
        expect(action.downMs).toBeGreaterThanOrEqual(short.hostDownMs[0]);
        expect(action.downMs).toBeLessThanOrEqual(short.hostDownMs[1]);
      }
  });

  it('drops a file a second time only as a re-drop of the same photo', () => {
    const { actions } = planSoak(9, { ...short, redropChance: 1 });
    const redrops = actions.filter((a) => a.kind === 'drop' && a.redrop);
    expect(redrops.length).toBeGreaterThan(0);
    for (const redrop of redrops) {
      if (redrop.kind !== 'drop') continue;
      const original = actions.find((a) => a.kind === 'drop' && !a.redrop && a.photo === redrop.photo);
      expect(original).toMatchObject({ user: redrop.user });
    }
  });
});
