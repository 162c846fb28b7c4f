// The table `npm run doctor` prints: one row per check, and a FIX line under every failure and warning.

import type { CheckStatus, DoctorReport } from './DoctorCheck';

const label: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.title.length), 5);
  const lines = [`${'CHECK'.padEnd(width)}  RESULT  DETAIL`, `${'-'.repeat(width)}  ------  ${'-'.repeat(6)}`];
  for (const check of report.checks) {
    lines.push(`${check.title.padEnd(width)}  ${label[check.status].padEnd(6)}  ${check.detail}`);
    if (check.fix && (check.status === 'fail' || check.status === 'warn'))
      lines.push(`${' '.repeat(width)}  FIX     ${check.fix}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  lines.push('', report.ok ? 'Ready: every check passed.' : `Not ready: ${failed} check(s) failed.`);
  return lines.join('\n');
}
