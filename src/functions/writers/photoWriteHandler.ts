// The queue handler both writers share: check the message, run the target's use case, record the metrics, log one
// line. Throttling is rescheduled by the use case (never thrown), permanent outcomes are recorded and completed; only
// transient failures throw, so the host's retries and `{queue}-poison` handle them. A malformed message is
// dead-lettered at once: retrying it five times would not make it readable.
// Kept out of the top-level folder on purpose: package.json `main` (`dist/src/functions/*.js`) loads every file
// there as a function registration.

import type { InvocationContext } from '@azure/functions';
import { getWriteRescheduler } from '../../compositionRoot';
import type { PhotoOwner } from '../../pipeline/messages/messageContracts';
import type { WriteMessageCheck } from '../../pipeline/messages/writeMessageGuards';
import type { WriteReschedulePort, WriteResult } from '../../pipeline/write/writePhotoToTarget';
import type { WriteTarget } from '../../telemetry/photoMetrics';
import { recordWriteResult } from '../../telemetry/recordPhotoTelemetry';

/** The fields of a write payload the log line and the metrics need. */
interface WritePayload {
  owner: PhotoOwner;
  contentHash: string;
  receivedAt: string;
  attempt: number;
  correlationId: string;
}

export interface PhotoWriteHandlerOptions<M extends object> {
  target: WriteTarget;
  queueName: string;
  check(entry: unknown): WriteMessageCheck<M>;
  payloadOf(message: M): WritePayload;
  /** Runs the target's use case with the adapters from the composition root. */
  write(message: M, rescheduler: WriteReschedulePort<M>): Promise<WriteResult | { outcome: 'disabled' }>;
}

export function photoWriteHandler<M extends object>(
  options: PhotoWriteHandlerOptions<M>,
): (entry: unknown, context: InvocationContext) => Promise<void> {
  const { target } = options;
  return async (entry, context) => {
    const startedAt = Date.now();
    const rescheduler = getWriteRescheduler().forQueue<M>(options.queueName);
    const check = options.check(entry);
    if (!check.message) {
      const reason = check.ok ? 'unreadable message' : check.reason;
      await rescheduler.deadLetter(entry as M, { code: 'malformed-message', message: reason });
      context.warn(
        JSON.stringify({ event: 'photo-write', target, outcome: 'dead-lettered', code: 'malformed-message', reason }),
      );
      return;
    }
    const write = options.payloadOf(check.message);
    const result = await options.write(check.message, rescheduler);
    recordWriteResult(target, write, result);
    context.info(
      JSON.stringify({
        event: 'photo-write',
        target,
        ...result,
        userId: write.owner.userId,
        contentHash: write.contentHash,
        attempt: write.attempt,
        correlationId: write.correlationId,
        durationMs: Date.now() - startedAt,
      }),
    );
  };
}
