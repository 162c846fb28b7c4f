// What the photo-changes consumer does with a Microsoft 365 failure: the writers' rules (writeDecisions), applied to
// the Graph reads of processPhotoChange. Throttling puts the change back on the queue with `attempt + 1` and a
// visibility delay (Retry-After, else backoff with jitter), past the attempt limit it is dead-lettered with the cause;
// a permanent answer (no mailbox, user gone...) is recorded in the log and the message completed; any other transient
// failure is thrown for the host's retries and `{queue}-poison`.

import type { PhotoChange, PhotoChangeMessage } from '../messages/messageContracts';
import { nextPhotoChange } from '../messages/photoChangeMessages';
import { decideOnFailure, defaultWriteDecisionOptions, type M365Failure } from '../write/writeDecisions';

export type PhotoChangeFailureDecision =
  | { kind: 'reschedule'; message: PhotoChangeMessage; delayMs: number; code: string; reason: string }
  | { kind: 'dead-letter'; message: PhotoChangeMessage; code: string; reason: string }
  | { kind: 'permanent'; code: string; reason: string }
  | { kind: 'throw' };

export function decidePhotoChangeFailure(
  change: PhotoChange,
  failure: M365Failure,
  options: { random?: () => number } = {},
): PhotoChangeFailureDecision {
  const decision = decideOnFailure('exchange', failure, {
    ...defaultWriteDecisionOptions,
    ...options,
    attempt: change.attempt,
  });
  if (decision.kind === 'throw') return decision;
  if (decision.kind === 'permanent') return { kind: 'permanent', code: decision.code, reason: decision.message };
  const message = nextPhotoChange(change);
  if (decision.kind === 'dead-letter') {
    return { kind: 'dead-letter', message, code: decision.code, reason: decision.message };
  }
  return { kind: 'reschedule', message, delayMs: decision.delayMs, code: decision.code, reason: decision.message };
}
