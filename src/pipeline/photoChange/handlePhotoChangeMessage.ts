// One photo-changes queue message, start to finish, as one decision for the entry point to carry out: dead-letter a
// malformed message (retrying would not make it readable), put a notification younger than the settle time back on
// the queue (settleDelay), otherwise run processPhotoChange and map a Graph failure with the writers' rules
// (decidePhotoChangeFailure). Each decision carries the queue writes it needs and the one log line that reports it.

import type { LogLine } from '../messages/LogLine';
import type {
  ExchangePhotoWriteMessage,
  PhotoChangeMessage,
  SharePointPhotoWriteMessage,
} from '../messages/messageContracts';
import { checkPhotoChangeMessage } from '../messages/checkPhotoChangeMessage';
import { decidePhotoChangeFailure } from './decidePhotoChangeFailure';
import { settleDelay } from './settleDelay';
import { processPhotoChange, type PhotoChangeOutcome, type ProcessPhotoChangeOptions } from './processPhotoChange';
import { isM365Failure } from '../write/writeDecisions';

/** The write messages to queue: SharePoint thumbnails, or with PHOTO_AUTHORITY=hr the HR photo put back in Exchange. */
export interface PhotoChangeOutputs {
  sharePointWrites: SharePointPhotoWriteMessage[];
  exchangeWrites: ExchangePhotoWriteMessage[];
}

export type PhotoChangeDecision =
  | { kind: 'settle'; message: PhotoChangeMessage; delayMs: number; log: LogLine }
  | { kind: 'reschedule'; message: PhotoChangeMessage; delayMs: number; log: LogLine }
  | { kind: 'dead-letter'; message: unknown; cause: { code: string; message: string }; log: LogLine }
  | { kind: 'permanent'; log: LogLine }
  | { kind: 'outcome'; outcome: PhotoChangeOutcome; outputs: PhotoChangeOutputs; log: LogLine };

export interface HandlePhotoChangeOptions extends ProcessPhotoChangeOptions {
  /** TARGET_SHAREPOINT: a propagated photo is only handed to the SharePoint writer when it is on. */
  sharePointEnabled: boolean;
  now: () => Date;
  random?: () => number;
}

function detailsOf(outcome: PhotoChangeOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'skipped':
      return { reason: outcome.reason };
    case 'propagated':
      return { mediaEtag: outcome.mediaEtag, contentHash: outcome.contentHash };
    case 'restored-hr':
      return { replacedEtag: outcome.replacedEtag, contentHash: outcome.exchangeWrite.exchangePhotoWrite.contentHash };
    case 'rejected':
      return { code: outcome.code, mediaEtag: outcome.mediaEtag };
    case 'removed-left-as-is':
      return {};
  }
}

function outputsOf(outcome: PhotoChangeOutcome, sharePointEnabled: boolean): PhotoChangeOutputs {
  return {
    sharePointWrites: outcome.kind === 'propagated' && sharePointEnabled ? [outcome.sharePointWrite] : [],
    exchangeWrites: outcome.kind === 'restored-hr' ? [outcome.exchangeWrite] : [],
  };
}

export async function handlePhotoChangeMessage(
  entry: unknown,
  options: HandlePhotoChangeOptions,
): Promise<PhotoChangeDecision> {
  const startedAt = options.now().getTime();
  const check = checkPhotoChangeMessage(entry);
  if (!check.ok) {
    const cause = { code: 'malformed-message', message: check.reason };
    const fields = { event: 'photo-change', outcome: 'dead-lettered', code: cause.code, reason: check.reason };
    return { kind: 'dead-letter', message: entry, cause, log: { level: 'warn', fields } };
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
    return { kind: 'settle', message: check.message, delayMs: wait, log };
  }

  let outcome: PhotoChangeOutcome;
  try {
    outcome = await processPhotoChange(change, options);
  } catch (error) {
    if (!isM365Failure(error)) throw error;
    const decision = decidePhotoChangeFailure(change, error, options.random ? { random: options.random } : {});
    if (decision.kind === 'throw') throw error;
    const fields = { ...base, outcome: decision.kind, code: decision.code, reason: decision.reason };
    const log: LogLine = { level: 'warn', fields };
    switch (decision.kind) {
      case 'permanent':
        return { kind: 'permanent', log };
      case 'reschedule':
        return { kind: 'reschedule', message: decision.message, delayMs: decision.delayMs, log };
      case 'dead-letter': {
        // `kind` stays in the cause: the poison note of a throttled photo change has always carried it.
        const cause = { kind: 'dead-letter', code: decision.code, message: decision.reason };
        return { kind: 'dead-letter', message: decision.message, cause, log };
      }
    }
  }

  const outputs = outputsOf(outcome, options.sharePointEnabled);
  const fields = { ...base, outcome: outcome.kind, ...detailsOf(outcome) };
  if (outcome.kind === 'restored-hr') {
    // PHOTO_AUTHORITY=hr: the person's own photo is being replaced; an operator should be able to see that.
    return { kind: 'outcome', outcome, outputs, log: { level: 'warn', fields: { ...fields, authority: 'hr' } } };
  }
  const durationMs = options.now().getTime() - startedAt;
  return { kind: 'outcome', outcome, outputs, log: { level: 'info', fields: { ...fields, durationMs } } };
}
