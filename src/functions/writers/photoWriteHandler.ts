// The queue trigger both writers register: the target's writer comes from the composition root, the one message
// handler (src/pipeline/write/handlePhotoWriteMessage.ts) decides, the metrics are recorded, and the
// DecisionExecutor carries the decision out (a reschedule or dead letter, then the one log line).
// Kept out of the top-level folder on purpose: package.json `main` (`dist/src/functions/*.js`) loads every file
// there as a function registration.

import type { InvocationContext } from '@azure/functions';
import { getDecisionExecutor, photoWriter } from '../../compositionRoot';
import { handlePhotoWriteMessage } from '../../pipeline/write/handlePhotoWriteMessage';
import type { WriteTargetName } from '../../pipeline/write/writeDecisions';
import { recordWriteResult } from '../../telemetry/recordPhotoTelemetry';

export function photoWriteHandler(
  target: WriteTargetName,
): (entry: unknown, context: InvocationContext) => Promise<void> {
  return async (entry, context) => {
    const decision = await handlePhotoWriteMessage(entry, photoWriter(target), {
      startedAt: Date.now(),
      now: Date.now,
    });
    if (decision.written) recordWriteResult(target, decision.written.payload, decision.written.result);
    await getDecisionExecutor().carryOut(decision, context);
  };
}
