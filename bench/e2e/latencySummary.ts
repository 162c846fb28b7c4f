// p50 / p95 / max of a set of durations (nearest-rank percentiles: every figure printed is one that was measured).

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export function summariseLatencies(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { count: sorted.length, p50: rank(50), p95: rank(95), max: sorted[sorted.length - 1] ?? NaN };
}

export function formatLatencies(summary: LatencySummary): string {
  const ms = (v: number): string =>
    Number.isNaN(v) ? '—' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
  return `p50 ${ms(summary.p50).padStart(8)}  p95 ${ms(summary.p95).padStart(8)}  max ${ms(summary.max).padStart(8)}`;
}
