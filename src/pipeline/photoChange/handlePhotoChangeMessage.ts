// One photo-changes queue message, start to finish, as one decision for the edge to carry out: dead-letter a
// malformed message (retrying would not make it readable), put a notification younger than the settle time back on
// the queue (settleDelay), otherwise run processPhotoChange and map a Graph failure with the writers' rules
// (decidePhotoChangeFailure). Each decision carries the queue sends it needs and the one log line that reports it:
// the write messages to queue (SharePoint thumbnails, or with PHOTO_AUTHORITY=hr the HR photo put back in Exchange),
// or the change itself, back on photo-changes with a delay.

import { checkPhotoChangeMessage } from '../messages/checkMessages';
import { decision, type Decision, type QueueSend } from '../messages/Decision';
import type { LogLine } from '../messages/LogLine';
import { decidePhotoChangeFailure } from './decidePhotoChangeFailure';
import { settleDelay } from './settleDelay';
import { processPhotoChange, type PhotoChangeOutcome, type ProcessPhotoChangeOptions } from './processPhotoChange';
import { isM365Failure } from '../write/writeDecisions';

/** How soon a change found during our own Exchange write is looked at again. */
export const DEFER_WHILE_WRITING_MS = 5_000;

export type PhotoChangeDecision = Decision &
  ({ kind: 'settle' | 'reschedule' | 'dead-letter' | 'permanent' } | { kind: 'outcome'; outcome: PhotoChangeOutcome });

export interface HandlePhotoChangeOptions extends ProcessPhotoChangeOptions {
  now: () => Date;
  random?: () => number;
}

function detailsOf(outcome: PhotoChangeOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'skipped':
      return { reason: outcome.reason };
    case 'deferred':
      return { reason: outcome.reason, ...(outcome.delayMs !== undefined ? { delayMs: outcome.delayMs } : {}) };
    case 'propagated':
      return { mediaEtag: outcome.mediaEtag, contentHash: outcome.contentHash };
    case 'restored-hr':
      return { replacedEtag: outcome.replacedEtag, contentHash: outcome.exchangeWrite.exchangePhotoWrite.contentHash };
    case 'rejected':
      return { code: outcome.code, mediaEtag: outcome.mediaEtag };
    case 'removed-left-as-is':
      return {};
    case 'removed-placeholder':
      return { thumbnailsDeleted: outcome.thumbnailsDeleted, profile: outcome.profile };
  }
}

/** A propagated photo's SharePoint write was queued by processPhotoChange itself, before it recorded the etag. */
function sendsOf(outcome: PhotoChangeOutcome): QueueSend[] {
  if (outcome.kind === 'restored-hr') return [{ queue: 'exchangePhotoWrites', message: outcome.exchangeWrite }];
  return [];
}

export async function handlePhotoChangeMessage(
  entry: unknown,
  options: HandlePhotoChangeOptions,
): Promise<PhotoChangeDecision> {
  const startedAt = options.now().getTime();
  const check = checkPhotoChangeMessage(entry, { now: options.now() });
  if (!check.ok) {
    const cause = { code: check.code, message: check.reason };
    const fields = { event: 'photo-change', outcome: 'dead-lettered', code: cause.code, reason: check.reason };
    const deadLetters = [{ queue: 'photoChanges' as const, message: entry, cause }];
    return { kind: 'dead-letter', ...decision({ deadLetters, logs: [{ level: 'warn', fields }] }) };
  }
  const change = check.message.photoChange;
  const base = {
    event: 'photo-change',
    userId: change.userId,
    source: change.source,
    correlationId: change.correlationId,
  };
  const wait = settleDelay(change, options.now());
  if (wait > 0) {
    const log: LogLine = { level: 'info', fields: { ...base, outcome: 'settling', delayMs: wait } };
    const sends = [{ queue: 'photoChanges' as const, message: check.message, delayMs: wait }];
    return { kind: 'settle', ...decision({ sends, logs: [log] }) };
  }

  let outcome: PhotoChangeOutcome;
  try {
    outcome = await processPhotoChange(change, options);
  } catch (error) {
    if (!isM365Failure(error)) throw error;
    const failure = decidePhotoChangeFailure(change, error, options.random ? { random: options.random } : {});
    if (failure.kind === 'throw') throw error;
    const fields = { ...base, outcome: failure.kind, code: failure.code, reason: failure.reason };
    const log: LogLine = { level: 'warn', fields };
    switch (failure.kind) {
      case 'permanent':
        return { kind: 'permanent', ...decision({ logs: [log] }) };
      case 'reschedule': {
        const sends = [{ queue: 'photoChanges' as const, message: failure.message, delayMs: failure.delayMs }];
        return { kind: 'reschedule', ...decision({ sends, logs: [log] }) };
      }
      case 'dead-letter': {
        // `kind` stays in the cause: the poison note of a throttled photo change has always carried it.
        const cause = { kind: 'dead-letter', code: failure.code, message: failure.reason };
        const deadLetters = [{ queue: 'photoChanges' as const, message: failure.message, cause }];
        return { kind: 'dead-letter', ...decision({ deadLetters, logs: [log] }) };
      }
    }
  }

  const fields = { ...base, outcome: outcome.kind, ...detailsOf(outcome) };
  if (outcome.kind === 'deferred') {
    // Same message, same attempt: the wait is bounded by the writer's claim (released or lapsing) or by the
    // read-after-write window after our own write (PHOTO_READ_LAG_MS).
    const delayMs = outcome.delayMs ?? DEFER_WHILE_WRITING_MS;
    const sends = [{ queue: 'photoChanges' as const, message: check.message, delayMs }];
    return { kind: 'settle', ...decision({ sends, logs: [{ level: 'info', fields }] }) };
  }
  const sends = sendsOf(outcome);
  // PHOTO_AUTHORITY=hr: the person's own photo is being replaced; an operator should be able to see that.
  const log: LogLine =
    outcome.kind === 'restored-hr'
      ? { level: 'warn', fields: { ...fields, authority: 'hr' } }
      : { level: 'info', fields: { ...fields, durationMs: options.now().getTime() - startedAt } };
  return { kind: 'outcome', outcome, ...decision({ sends, logs: [log] }) };
}
