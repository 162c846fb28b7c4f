// How much of a fixed-window budget the writers used while they had more work than they could take. SharePoint's
// per-app quota resets whole at the end of each window, so the allowed rate is "limit per window", and what the
// pipeline achieved is what the service admitted in those windows. Only windows during which more photos were
// waiting than the host runs at once (batchSize + newBatchThreshold for a queue trigger) from start to end count:
// in the others, a budget left unused may be a lack of demand (ingest still running, the last photos trickling
// out), not the pipeline's shortfall. Requests refused with 429 are not admitted, so they never count as use.

export interface BudgetWindow {
  startedAt: number;
  endsAt: number;
  limit: number;
  admitted: number;
}

export interface WindowVerdict extends BudgetWindow {
  /** Fewest photos waiting at any moment of the window. */
  minBacklog: number;
  counted: boolean;
}

export interface BudgetUse {
  windows: WindowVerdict[];
  /** Admitted / limit over the counted windows; NaN when no window counted. */
  fraction: number;
  counted: number;
}

export function budgetUseWhileBacklogged(
  windows: BudgetWindow[],
  arrivals: number[],
  completions: number[],
  options: { slots: number; endedAt: number },
): BudgetUse {
  const events = [...arrivals.map((at) => ({ at, change: 1 })), ...completions.map((at) => ({ at, change: -1 }))].sort(
    (a, b) => a.at - b.at || b.change - a.change,
  );
  const backlogAt = (time: number): number =>
    events.reduce((backlog, event) => (event.at <= time ? backlog + event.change : backlog), 0);
  const verdicts = windows.map((window): WindowVerdict => {
    let backlog = backlogAt(window.startedAt);
    let minBacklog = backlog;
    for (const event of events) {
      if (event.at <= window.startedAt || event.at >= window.endsAt) continue;
      backlog += event.change;
      minBacklog = Math.min(minBacklog, backlog);
    }
    const counted = window.endsAt <= options.endedAt && minBacklog > options.slots;
    return { ...window, minBacklog, counted };
  });
  const counted = verdicts.filter((v) => v.counted);
  const limit = counted.reduce((sum, v) => sum + v.limit, 0);
  const admitted = counted.reduce((sum, v) => sum + v.admitted, 0);
  return { windows: verdicts, fraction: limit > 0 ? admitted / limit : Number.NaN, counted: counted.length };
}
