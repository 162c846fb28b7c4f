// A Microsoft 365 call's failure as the domain sees it: the shape of the M365 adapters' error (M365RequestError),
// and how writers read and quote it.

/** The shape of the M365 adapters' error (M365RequestError), as the domain needs it. */
export interface M365Failure {
  service: string;
  status: number;
  code: string;
  message: string;
  requestId?: string | undefined;
  retryAfterMs?: number | undefined;
  retryable: boolean;
  /** The profile property the failed call was setting, when it was one. */
  property?: string | undefined;
}

export function isM365Failure(error: unknown): error is Error & M365Failure {
  if (!(error instanceof Error)) return false;
  const e = error as unknown as Record<string, unknown>;
  return typeof e.status === 'number' && typeof e.code === 'string' && typeof e.retryable === 'boolean';
}

export function describe(failure: M365Failure): string {
  const id = failure.requestId ? `, request-id ${failure.requestId}` : '';
  return `${failure.service} answered ${failure.status} ${failure.code}${id}: ${failure.message}`;
}

/** SharePoint names the exception in its error code: `-1, Microsoft.Office.Server.UserProfiles.{Name}`. */
export function exceptionIs(failure: M365Failure, name: string): boolean {
  return failure.service === 'sharepoint' && failure.code.endsWith(name);
}
