import { budgetUseWhileBacklogged, type BudgetWindow } from '../../../bench/e2e/budgetUseWhileBacklogged';

const windows = (admitted: number[], limit = 100): BudgetWindow[] =>
  admitted.map((a, i) => ({ startedAt: i * 1000, endsAt: (i + 1) * 1000, limit, admitted: a }));

const repeat = (count: number, at: number): number[] => Array.from({ length: count }, () => at);

describe('budgetUseWhileBacklogged', () => {
  it('counts only windows with more photos waiting than the writer slots from start to end', () => {
    // 50 photos queued at once; 10 written in each of the first four windows, the rest in the fifth.
    const arrivals = repeat(50, 0);
    const completions = [
      ...repeat(10, 500),
      ...repeat(10, 1500),
      ...repeat(10, 2500),
      ...repeat(10, 3500),
      ...repeat(10, 4500),
    ];
    const use = budgetUseWhileBacklogged(windows([70, 70, 70, 70, 70]), arrivals, completions, {
      slots: 12,
      endedAt: 4500,
    });
    // Waiting throughout: 40 in window 0, 30 in 1, 20 in 2 (all > 12); window 3 drops to 10; window 4 is unfinished.
    expect(use.windows.map((w) => w.minBacklog)).toEqual([40, 30, 20, 10, 0]);
    expect(use.windows.map((w) => w.counted)).toEqual([true, true, true, false, false]);
    expect(use.counted).toBe(3);
    expect(use.fraction).toBeCloseTo(0.7);
  });

  it('holds unused budget against the pipeline when work was waiting', () => {
    const use = budgetUseWhileBacklogged(windows([100, 40, 100]), repeat(100, 0), repeat(100, 10_000), {
      slots: 12,
      endedAt: 10_000,
    });
    expect(use.fraction).toBeCloseTo(240 / 300);
  });

  it('does not count a window that began before the work arrived', () => {
    const use = budgetUseWhileBacklogged(windows([0, 100]), repeat(30, 500), repeat(30, 5_000), {
      slots: 12,
      endedAt: 5_000,
    });
    expect(use.windows.map((w) => w.counted)).toEqual([false, true]);
    expect(use.fraction).toBe(1);
  });

  it('has no figure when no window had work waiting throughout', () => {
    const use = budgetUseWhileBacklogged(windows([5]), [100], [200], { slots: 12, endedAt: 200 });
    expect(use.counted).toBe(0);
    expect(use.fraction).toBeNaN();
  });
});
