// The one handler both writers run: check the message, run the target's use case, and decide what happens to the
// message: a reschedule is the same write one attempt later, sent to its own queue with a visibility delay (a wait
// for something that only needs time, a SharePoint profile say, is the same write, not a new attempt); a
// dead-lettered write goes to `{queue}-poison` with its cause; a malformed message is dead-lettered at once
// (retrying it five times would not make it readable). Permanent outcomes are recorded by the use case and the
// message completed; only transient failures throw, for the host's retries and `{queue}-poison`.
// The writers register with it as data (exchangePhotoWriter, sharePointPhotoWriter): nothing calls back into them.

import { decision, type Decision } from '../messages/Decision';
import type { WriteCommon } from '../messages/messageContracts';
import type { WriteMessageKind } from '../messages/writeMessages';
import { RenditionRefusedError } from './RenditionRefusedError';
import type { WriteTargetName } from './writeDecisions';
import type { WriteResult } from './writePhotoToTarget';

/** The fields of a write payload the log line and the metrics read. */
export type WritePayload = WriteCommon;

export type PhotoWriteResult = WriteResult | { outcome: 'disabled' };

/** One target's writer: its kind of message, whether SYNC_TARGETS has it on, and its use case bound to its adapters. */
export interface PhotoWriter<M extends object> extends WriteMessageKind<M> {
  target: WriteTargetName;
  enabled: boolean;
  write(message: M): Promise<WriteResult>;
}

/** A target's writer from its kind of message and its use case with the adapters it runs on. */
export function photoWriterOf<M extends object, D extends { enabled: boolean }>(
  kind: WriteMessageKind<M>,
  target: WriteTargetName,
  deps: D,
  write: (message: M, deps: D) => Promise<WriteResult>,
): PhotoWriter<M> {
  return { ...kind, target, enabled: deps.enabled, write: (message) => write(message, deps) };
}

/** The decision, and for a readable message what was written, for the metrics. */
export type PhotoWriteDecision = Decision & { written?: { payload: WritePayload; result: PhotoWriteResult } };

export async function handlePhotoWriteMessage<M extends object>(
  entry: unknown,
  writer: PhotoWriter<M>,
  options: { startedAt: number; now: () => number },
): Promise<PhotoWriteDecision> {
  const { target, queue } = writer;
  const check = writer.check(entry);
  if (!check.ok) {
    const cause = { code: check.code, message: check.reason };
    const fields = { event: 'photo-write', target, outcome: 'dead-lettered', code: cause.code, reason: check.reason };
    return decision({ deadLetters: [{ queue, message: entry, cause }], logs: [{ level: 'warn', fields }] });
  }
  const payload = writer.payloadOf(check.message);
  let result: PhotoWriteResult;
  try {
    result = writer.enabled ? await writer.write(check.message) : { outcome: 'disabled' };
  } catch (error) {
    if (!(error instanceof RenditionRefusedError)) throw error;
    const cause = { code: error.code, message: error.message };
    const fields = { event: 'photo-write', target, outcome: 'dead-lettered', code: cause.code, reason: error.message };
    return decision({ deadLetters: [{ queue, message: entry, cause }], logs: [{ level: 'warn', fields }] });
  }
  // No free-text message: a service's error text can name the person (a UPN, a file name made from it), and this
  // line carries the object id only (docs/telemetry.md). The message is in PhotoSyncState, `lastErrorMessage`.
  const { message: _message, ...said } = result as PhotoWriteResult & { message?: string };
  const fields = {
    event: 'photo-write',
    target,
    ...said,
    userId: payload.owner.userId,
    contentHash: payload.contentHash,
    attempt: payload.attempt,
    correlationId: payload.correlationId,
    durationMs: options.now() - options.startedAt,
  };
  const next = (): M => writer.next(check.message);
  const sends =
    result.outcome === 'rescheduled'
      ? [{ queue, message: next(), delayMs: result.delayMs ?? 0 }]
      : result.outcome === 'waiting'
        ? [{ queue, message: check.message, delayMs: result.delayMs ?? 0 }]
        : [];
  const deadLetters =
    result.outcome === 'dead-lettered'
      ? [{ queue, message: next(), cause: { code: result.code ?? 'dead-lettered', message: result.message ?? '' } }]
      : [];
  return { ...decision({ sends, deadLetters, logs: [{ level: 'info', fields }] }), written: { payload, result } };
}
