// The removal consumer's use case: one message of `photo-removals` → run the removal its record describes, and say
// what to do next. The record, not the message, is the authority (RemovalAuditPort): a message naming no record is
// dead-lettered as untrusted. Outcomes:
// - done: the record is `completed`; a duplicate delivery of a completed removal does nothing;
// - a write under way, throttling or Microsoft 365 unavailable: the record keeps `requested` with the last error
//   (HR sees "still trying" and why) and the message comes back after a delay (Retry-After when given, else
//   backoff), a fresh message each time, so waiting never burns the host's five quick tries;
// - a permanent refusal (a missing permission…) or tries exhausted: the record is `failed` with the reason, the
//   message parked in `photo-removals-poison`; HR can press Remove again once the cause is fixed, which resumes.
// Storage answering 408/429/5xx while deleting our copies is waited out the same way (duck-typed on `statusCode`,
// which the Azure SDKs' RestError carries: the domain imports no SDK). Anything else is thrown for the host's quick
// retries, but first its reason goes on the record (HR sees why it is still trying); on the host's last delivery it
// is not thrown: the record becomes `failed` with the cause and the message is parked here, because the host would
// park it in `photo-removals-poison` without running any of our code, leaving the record `requested` for ever.

import { decision, type Decision } from '../messages/Decision';
import { backoffDelayMs } from '../write/writeDecisions';
import { describe, isM365Failure, type M365Failure } from '../write/M365Failure';
import { removePerson, RemovalBusyError, type RemovalPorts } from './removePerson';
import { checkPhotoRemovalMessage, photoRemovalMessage } from './removalMessages';
import type { RemovalRecord } from './RemovalAuditPort';

export interface RemovalHandlingOptions extends RemovalPorts {
  /** Whether the person is still in the directory (Exchange is only asked about people who are). */
  inDirectory(userId: string): Promise<boolean>;
  /** Tries before a removal is given up as failed (default 10). */
  maxAttempts?: number;
  backoff?: { baseDelayMs: number; maxDelayMs: number };
  /** This delivery's try by the host (its `dequeueCount`) and the host's `maxDequeueCount`, when the edge knows. */
  delivery?: { dequeueCount: number; maxDequeueCount: number };
}

const defaultBackoff = { baseDelayMs: 5_000, maxDelayMs: 10 * 60_000 };

export async function handleRemovalMessage(entry: unknown, options: RemovalHandlingOptions): Promise<Decision> {
  const checked = checkPhotoRemovalMessage(entry);
  if (!checked.ok) {
    return decision({
      deadLetters: [{ queue: 'photoRemovals', message: entry, cause: { code: checked.code, message: checked.reason } }],
      logs: [{ level: 'warn', fields: { event: 'photo-removal', outcome: 'dead-lettered', code: checked.code } }],
    });
  }
  const { userId, requestId, attempt } = checked.message.photoRemoval;
  const record = await options.audit.get(userId, requestId);
  const fields = { event: 'photo-removal', userId, requestId, attempt };
  if (!record || record.status === 'scheduled' || record.status === 'cancelled') {
    const cause = { code: 'untrusted-message', message: 'No removal was requested with this id.' };
    return decision({
      deadLetters: [{ queue: 'photoRemovals', message: entry, cause }],
      logs: [{ level: 'warn', fields: { ...fields, outcome: 'dead-lettered', code: cause.code } }],
    });
  }
  if (record.status === 'completed') {
    return decision({ logs: [{ level: 'info', fields: { ...fields, outcome: 'already-completed' } }] });
  }

  const running: RemovalRecord = { ...record, attempts: record.attempts + 1, updatedAt: options.now().toISOString() };
  try {
    const inDirectory = await options.inDirectory(userId);
    const done = await removePerson(running, options, { inDirectory });
    return decision({
      logs: [
        {
          level: 'info',
          fields: {
            ...fields,
            outcome: 'completed',
            via: done.via,
            exchange: done.exchange,
            sharePoint: done.sharePoint,
            thumbnailsDeleted: done.thumbnailsDeleted,
            storedPhotosDeleted: done.storedPhotosDeleted,
          },
        },
      ],
    });
  } catch (error) {
    const storage = storageUnavailable(error);
    const transient = error instanceof RemovalBusyError || (isM365Failure(error) && error.retryable) || storage;
    const permanent = isM365Failure(error) && !error.retryable;
    if (!transient && !permanent) return unclassified(error, entry, running, fields, options);
    const code =
      error instanceof RemovalBusyError ? error.code : isM365Failure(error) ? error.code : 'storage-unavailable';
    const message = isM365Failure(error)
      ? inHrWords(error)
      : storage
        ? `Our storage did not answer (${(error as Error).message}).`
        : (error as Error).message;
    const exhausted = attempt + 1 >= (options.maxAttempts ?? 10);
    if (transient && !exhausted) {
      await options.audit.save({ ...running, lastErrorCode: code, lastErrorMessage: message });
      const retryAfterMs = isM365Failure(error) ? error.retryAfterMs : undefined;
      const delayMs = retryAfterMs ?? backoffDelayMs(attempt, options.backoff ?? defaultBackoff);
      return decision({
        sends: [{ queue: 'photoRemovals', message: photoRemovalMessage(userId, requestId, attempt + 1), delayMs }],
        logs: [{ level: 'warn', fields: { ...fields, outcome: 'rescheduled', code, delayMs } }],
      });
    }
    const failedCode = transient ? 'attempts-exhausted' : code;
    await options.audit.save({ ...running, status: 'failed', lastErrorCode: failedCode, lastErrorMessage: message });
    return decision({
      deadLetters: [{ queue: 'photoRemovals', message: entry, cause: { code: failedCode, message } }],
      logs: [{ level: 'warn', fields: { ...fields, outcome: 'failed', code: failedCode } }],
    });
  }
}

/**
 * A failure we cannot classify (a bug, an SDK error without a status): recorded on the audit record, then thrown for
 * the host's quick retries; on the host's last try, recorded as `failed` and parked by us with the cause.
 */
async function unclassified(
  error: unknown,
  entry: unknown,
  running: RemovalRecord,
  fields: Record<string, unknown>,
  options: RemovalHandlingOptions,
): Promise<Decision> {
  const code = 'unexpected-error';
  const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const delivery = options.delivery;
  if (delivery && delivery.dequeueCount >= delivery.maxDequeueCount) {
    const message = `An unexpected error stopped the removal after ${delivery.dequeueCount} quick tries (${cause}).`;
    await options.audit.save({ ...running, status: 'failed', lastErrorCode: code, lastErrorMessage: message });
    return decision({
      deadLetters: [{ queue: 'photoRemovals', message: entry, cause: { code, message } }],
      logs: [{ level: 'warn', fields: { ...fields, outcome: 'failed', code } }],
    });
  }
  const message = `An unexpected error; the removal is tried again in a moment (${cause}).`;
  // The reason must not hide the error: a record that cannot be saved either still leaves the host to retry.
  await options.audit.save({ ...running, lastErrorCode: code, lastErrorMessage: message }).catch(() => undefined);
  throw error;
}

const permissionHint: Record<string, string> = {
  graph:
    'Grant the Entra app the Microsoft Graph application permission User.ReadWrite.All (Graph accepts no lesser ' +
    'one for deleting a photo) and give admin consent.',
  sharepoint:
    'Grant the Entra app the SharePoint application permissions Sites.FullControl.All and User.ReadWrite.All and ' +
    'give admin consent.',
};

/** The service's own words, after what to do about them when it is a permission an admin can grant. */
function inHrWords(failure: M365Failure): string {
  const hint = failure.status === 401 || failure.status === 403 ? permissionHint[failure.service] : undefined;
  return hint ? `${hint} ${describe(failure)}` : describe(failure);
}

/** Azure Storage busy or failing (RestError's `statusCode`): worth another try later, like Microsoft 365's. */
function storageUnavailable(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && (status === 408 || status === 429 || status >= 500);
}
