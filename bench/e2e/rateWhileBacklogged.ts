// The write rate over the time the writers had more work than they could take: arrivals (a write message queued)
// and completions (the write done) swept in time order; while more photos are waiting than the host runs at once
// (batchSize + newBatchThreshold for a queue trigger), any shortfall against the allowed rate is the pipeline's, not
// a lack of demand (ingest still running, or the last few photos trickling out).

export interface BackloggedRate {
  photos: number;
  seconds: number;
  photosPerSecond: number;
}

export function rateWhileBacklogged(
  arrivals: number[],
  completions: number[],
  options: { slots: number },
): BackloggedRate {
  const events = [...arrivals.map((at) => ({ at, change: 1 })), ...completions.map((at) => ({ at, change: -1 }))].sort(
    (a, b) => a.at - b.at || b.change - a.change,
  );
  let backlog = 0;
  let since: number | undefined;
  let milliseconds = 0;
  let photos = 0;
  for (const event of events) {
    const saturated = backlog > options.slots;
    if (saturated && event.change < 0) photos += 1;
    backlog += event.change;
    if (!saturated && backlog > options.slots) since = event.at;
    if (saturated && backlog <= options.slots && since !== undefined) {
      milliseconds += event.at - since;
      since = undefined;
    }
  }
  const seconds = milliseconds / 1000;
  return { photos, seconds, photosPerSecond: seconds > 0 ? photos / seconds : Number.NaN };
}
