// What a use case decided, as data, for the one edge module (src/edge/DecisionExecutor.ts) to carry out for every
// trigger: the messages to queue (a reschedule is a send to the message's own queue with a visibility delay), the
// messages to park in `{queue}-poison` with their cause, and the log lines that report it. The domain names queues
// by role; the edge knows their storage names.

import type { LogLine } from './LogLine';

export type QueueRole = 'exchangePhotoWrites' | 'sharePointPhotoWrites' | 'photoChanges' | 'photoRemovals';

export interface QueueSend {
  queue: QueueRole;
  message: object;
  /** Invisible for this long (a reschedule waiting out Retry-After or a settle time); 0 or absent: now. */
  delayMs?: number;
}

export interface DeadLetterCause {
  code: string;
  message: string;
  [detail: string]: string;
}

export interface DeadLetter {
  queue: QueueRole;
  /** May be anything a producer put on the queue: a malformed message is kept whole. */
  message: unknown;
  cause: DeadLetterCause;
}

export interface Decision {
  sends: QueueSend[];
  deadLetters: DeadLetter[];
  logs: LogLine[];
}

/** A decision with only the parts given. */
export function decision(parts: Partial<Decision>): Decision {
  return { sends: parts.sends ?? [], deadLetters: parts.deadLetters ?? [], logs: parts.logs ?? [] };
}
