// What a writer does with a Microsoft 365 failure. Queue triggers are at-least-once with `maxDequeueCount` tries
// that come back after `visibilityTimeout` (10 s here): a 429 thrown back to the host would burn all five tries in
// under a minute and poison a perfectly good photo. So:
// - throttling (429, 503): complete the message and re-enqueue it with a visibility delay of Retry-After (else
//   backoff with jitter) and `attempt + 1`; past `maxAttempts`, dead-letter it ourselves with the cause;
// - waiting (something that only needs time: SharePoint has not provisioned the person's profile yet, a new mailbox
//   or the Profile Pictures folder does not exist yet, a 404 that does not say the person is gone): re-enqueue with
//   a long backoff that grows with the time waited (5 minutes up to 12 hours a step), not counted as an attempt and
//   recorded as `waiting` (code `waiting-for-profile`…); past a bound in days it becomes permanent;
// - permanent (no mailbox, on-premises mailbox, user gone, missing permission, a property an admin has not made
//   editable, a request the service refuses): record it with a clear message and complete the message: retrying
//   cannot help, and the poison queue is for things a developer must look at;
// - Microsoft 365 unreachable or failing (no answer, a timeout, 500, 502, 504): the same reschedule with backoff,
//   code `unavailable`. Thrown to the host, five tries 10 s apart would park every photo of an outage longer than
//   about a minute in the poison queue, for a fault that goes away on its own; the backoff (5 s doubling to 15 min,
//   10 attempts) rides out an outage of half an hour or so before it dead-letters with `attempts-exhausted`;
// - anything else (a 5xx the adapter does not call retryable): throw, for the host's retries and poison queue.
// SharePoint's profile service answers 500 for what are not server faults (UserNotFoundException,
// PropertyNotEditableException, PropertyNotFoundException), so its 500s are told apart by the exception's name.
// Graph's answer for a person without an Exchange Online mailbox is undocumented and varies (see docs/writers.md):
// the documented codes are permanent, a bare or unexplained 404 waits.

import { describe, exceptionIs, type M365Failure } from './M365Failure';
import type { WriteOutcome } from './PhotoStatePort';
import { decideWait, waitCode, type WaitCode } from './waitDecisions';

export type { WaitCode };
export { isM365Failure, type M365Failure } from './M365Failure';

export type WriteTargetName = 'exchange' | 'sharepoint';

export type WriteDecision =
  | { kind: 'reschedule'; delayMs: number; code: string; message: string }
  | { kind: 'wait'; delayMs: number; code: WaitCode; message: string; since: string }
  | { kind: 'permanent'; code: string; message: string }
  | { kind: 'dead-letter'; code: string; message: string }
  | { kind: 'throw' };

export interface WriteDecisionOptions {
  /** `attempt` of the message being processed (0 on first enqueue). */
  attempt: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
  /** When this write began waiting (ISO), if its last failure was a wait. */
  waitingSince?: string | undefined;
  now?: Date;
}

export const defaultWriteDecisionOptions = { maxAttempts: 10, baseDelayMs: 5_000, maxDelayMs: 15 * 60_000 } as const;

/** The outcome recorded for each decision. */
export const outcomeOf: Record<Exclude<WriteDecision['kind'], 'throw'>, WriteOutcome> = {
  reschedule: 'rescheduled',
  wait: 'waiting',
  permanent: 'permanent-failure',
  'dead-letter': 'dead-lettered',
};

/**
 * Exponential backoff with full jitter (as in the M365 retry policy, but over queue reschedules):
 * `round(random() * min(maxDelay, base * 2^attempt))`; a floor of one second keeps a reschedule from being instant.
 */
export function backoffDelayMs(
  attempt: number,
  options: { baseDelayMs: number; maxDelayMs: number; random?: () => number },
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.max(1_000, Math.round((options.random ?? Math.random)() * ceiling));
}

const PERMISSION_HINT: Record<WriteTargetName, string> = {
  exchange:
    'Grant the Entra app the Microsoft Graph application permission ProfilePhoto.ReadWrite.All (or User.ReadWrite.All) ' +
    'and give admin consent.',
  sharepoint:
    'Grant the Entra app the SharePoint application permissions Sites.FullControl.All (files in User Photos) and ' +
    'User.ReadWrite.All (profile properties), give admin consent, and sign in with a certificate, not a secret.',
};

export function editableHint(property: string | undefined): string {
  const name = property ?? 'the property';
  return (
    `An admin makes ${name} editable: SharePoint admin center > More features > User profiles > Manage User ` +
    `Properties > ${name} > Edit: under Edit Settings choose "Allow users to edit values for this property", then ` +
    `OK; the photo is written again with its next change (or replay it, docs/operations.md).`
  );
}

/** Graph 404 codes that say the person is not in the directory (any other 404 may only need time). */
const USER_GONE_CODES = new Set(['ErrorInvalidUser', 'Request_ResourceNotFound', 'ResourceNotFound']);

function permanentCode(target: WriteTargetName, failure: M365Failure): { code: string; message: string } | undefined {
  const said = describe(failure);
  if (failure.code === 'ErrorNonExistentMailbox' || (target === 'exchange' && failure.code === 'MailboxNotFound')) {
    return {
      code: 'no-exchange-mailbox',
      message: `The user has no Exchange Online mailbox, so Graph cannot store a photo for them (the SharePoint photo is unaffected). ${said}`,
    };
  }
  if (target === 'exchange' && failure.status === 400 && failure.code === 'AuthenticationError') {
    return {
      code: 'no-exchange-mailbox',
      message:
        'Graph answers 400 AuthenticationError to photo writes for people without an Exchange Online mailbox ' +
        `(the SharePoint photo is unaffected; npm run doctor -- --test-user shows it). ${said}`,
    };
  }
  if (failure.code === 'MailboxNotHostedInExchangeOnline') {
    return {
      code: 'mailbox-on-premises',
      message:
        "The user's mailbox is on-premises (or, in some tenants, they have no Exchange Online mailbox); set the " +
        `photo there (Set-UserPhoto). ${said}`,
    };
  }
  if (exceptionIs(failure, 'PropertyNotEditableException')) {
    return {
      code: 'profile-property-not-editable',
      message: `SharePoint does not let the app set ${failure.property ?? 'a profile property'}. ${editableHint(failure.property)} ${said}`,
    };
  }
  if (exceptionIs(failure, 'PropertyNotFoundException')) {
    return {
      code: 'profile-property-unknown',
      message: `The SharePoint user profile has no property ${failure.property ?? '(unnamed)'}. ${said}`,
    };
  }
  if (failure.code === 'certificate-required' || /unsupported app only token/i.test(failure.message)) {
    return { code: 'certificate-required', message: `SharePoint app-only needs a certificate credential. ${said}` };
  }
  if (failure.status === 401 || failure.status === 403) {
    return { code: 'permission-denied', message: `${PERMISSION_HINT[target]} ${said}` };
  }
  if (failure.status === 404 && USER_GONE_CODES.has(failure.code)) {
    return { code: 'user-not-found', message: `The user does not exist (deleted?) or cannot be found. ${said}` };
  }
  if (failure.service === 'login' && !failure.retryable) {
    return {
      code: 'login-failed',
      message: `The app cannot sign in; check M365_TENANT_ID, M365_CLIENT_ID and the credential. ${said}`,
    };
  }
  // A 404 that does not say the person is gone may only need time (waitDecisions).
  if (!failure.retryable && failure.status >= 400 && failure.status < 500 && failure.status !== 404) {
    return { code: 'request-rejected', message: said };
  }
  return undefined;
}

export function decideOnFailure(
  target: WriteTargetName,
  failure: M365Failure,
  options: WriteDecisionOptions,
): WriteDecision {
  const permanent = permanentCode(target, failure);
  if (permanent) return { kind: 'permanent', ...permanent };
  const wait = waitCode(target, failure);
  if (wait) return decideWait(wait, failure, options);
  const throttled = failure.status === 429 || failure.status === 503;
  if (throttled || failure.retryable) {
    const message = describe(failure);
    if (options.attempt + 1 >= options.maxAttempts) {
      return {
        kind: 'dead-letter',
        code: 'attempts-exhausted',
        message: `Still ${throttled ? 'throttled' : 'failing'} after ${options.attempt + 1} attempts. ${message}`,
      };
    }
    const delayMs =
      failure.retryAfterMs !== undefined
        ? Math.min(Math.max(failure.retryAfterMs, 1_000), options.maxDelayMs)
        : backoffDelayMs(options.attempt, options);
    return { kind: 'reschedule', delayMs, code: throttled ? 'throttled' : 'unavailable', message };
  }
  return { kind: 'throw' };
}

/**
 * Another instance holds the claim on this person's row: come back after a backoff, like a throttled write without
 * Retry-After, within the same attempt budget. The message names the person by object id only: it ends up in the
 * writer's log line, which carries no UPN (docs/telemetry.md).
 */
export function decideOnClaimHeld(
  target: WriteTargetName,
  claim: { userId: string; expiresAt: string | undefined },
  options: WriteDecisionOptions,
): Extract<WriteDecision, { kind: 'reschedule' | 'dead-letter' }> {
  const until = claim.expiresAt ?? '?';
  if (options.attempt + 1 >= options.maxAttempts) {
    return {
      kind: 'dead-letter',
      code: 'write-claim-held',
      message:
        `Another writer kept the claim on user ${claim.userId}'s ${target} photo through ` +
        `${options.maxAttempts} attempts (claim until ${until}).`,
    };
  }
  const delayMs = backoffDelayMs(options.attempt, options);
  return {
    kind: 'reschedule',
    delayMs,
    code: 'write-claim-held',
    message:
      `Another writer is writing user ${claim.userId}'s ${target} photo (claim until ${until}); ` +
      `this one comes back in ${delayMs} ms.`,
  };
}
