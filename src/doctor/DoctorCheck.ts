// One line of the readiness table. `fail` makes `npm run doctor` exit 1; `warn` is worth reading but does not stop a
// deployment; `skip` says a check could not run because an earlier one failed or an option was not given.

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** Stable id, e.g. `graph-roles`, for scripts and tests. */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a failure or warning, in words an admin can follow. */
  fix?: string;
}

export interface DoctorReport {
  checks: CheckResult[];
  ok: boolean;
}

export function doctorReport(checks: CheckResult[]): DoctorReport {
  return { checks, ok: checks.every((c) => c.status !== 'fail') };
}
