// The one handler both writers run: check the message, run the target's use case, and decide what happens to the
// message: a reschedule is the same write one attempt later, sent to its own queue with a visibility delay; a
// dead-lettered write goes to `{queue}-poison` with its cause; a malformed message is dead-lettered at once
// (retrying it five times would not make it readable). Permanent outcomes are recorded by the use case and the
// message completed; only transient failures throw, for the host's retries and `{queue}-poison`.
// The writers register with it as data (exchangePhotoWriter, sharePointPhotoWriter): nothing calls back into them.

import { decision, type Decision, type QueueRole } from '../messages/Decision';
import type { MessageCheck } from '../messages/checkMessages';
import type { PhotoOwner } from '../messages/messageContracts';
import type { WriteTargetName } from './writeDecisions';
import type { WriteResult } from './writePhotoToTarget';

/** The fields of a write payload the log line and the metrics need. */
export interface WritePayload {
  owner: PhotoOwner;
  contentHash: string;
  receivedAt: string;
  attempt: number;
  correlationId: string;
}

export type PhotoWriteResult = WriteResult | { outcome: 'disabled' };

/** One target's writer: its queue, its message check, and its use case bound to its adapters. */
export interface PhotoWriter<M extends object> {
  target: WriteTargetName;
  queue: QueueRole;
  check(entry: unknown): MessageCheck<M>;
  payloadOf(message: M): WritePayload;
  /** The same message one attempt later: what a reschedule or a dead letter carries. */
  next(message: M): M;
  write(message: M): Promise<PhotoWriteResult>;
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
    const cause = { code: 'malformed-message', message: check.reason };
    const fields = { event: 'photo-write', target, outcome: 'dead-lettered', code: cause.code, reason: check.reason };
    return decision({ deadLetters: [{ queue, message: entry, cause }], logs: [{ level: 'warn', fields }] });
  }
  const payload = writer.payloadOf(check.message);
  const result = await writer.write(check.message);
  const fields = {
    event: 'photo-write',
    target,
    ...result,
    userId: payload.owner.userId,
    contentHash: payload.contentHash,
    attempt: payload.attempt,
    correlationId: payload.correlationId,
    durationMs: options.now() - options.startedAt,
  };
  const next = (): M => writer.next(check.message);
  const sends = result.outcome === 'rescheduled' ? [{ queue, message: next(), delayMs: result.delayMs ?? 0 }] : [];
  const deadLetters =
    result.outcome === 'dead-lettered'
      ? [{ queue, message: next(), cause: { code: result.code ?? 'dead-lettered', message: result.message ?? '' } }]
      : [];
  return { ...decision({ sends, deadLetters, logs: [{ level: 'info', fields }] }), written: { payload, result } };
}
