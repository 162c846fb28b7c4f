// In-memory stand-ins for the writers' storage ports (the Azure Table and queue adapters are exercised against
// Azurite in test/integration/writers).

import type {
  PhotoState,
  PhotoStatePatch,
  PhotoStatePort,
  PhotoTarget,
} from '../../../../src/pipeline/write/PhotoStatePort';
import type { Decision } from '../../../../src/pipeline/messages/Decision';
import {
  handlePhotoWriteMessage,
  type PhotoWriteResult,
  type PhotoWriter,
} from '../../../../src/pipeline/write/handlePhotoWriteMessage';
import type { M365Failure } from '../../../../src/pipeline/write/writeDecisions';

export class InMemoryPhotoState implements PhotoStatePort {
  readonly rows = new Map<string, PhotoState>();

  get(userId: string, target: PhotoTarget): Promise<PhotoState | undefined> {
    return Promise.resolve(this.rows.get(`${userId}/${target}`));
  }

  update(userId: string, target: PhotoTarget, change: (c: PhotoState | undefined) => PhotoStatePatch | undefined) {
    const current = this.rows.get(`${userId}/${target}`);
    const patch = change(current);
    if (!patch) return Promise.resolve(current);
    const next = { ...current, ...patch, userId, target };
    this.rows.set(`${userId}/${target}`, next);
    return Promise.resolve(next);
  }

  listForUser(userId: string): Promise<PhotoState[]> {
    return Promise.resolve([...this.rows.values()].filter((r) => r.userId === userId));
  }
}

/** What the writers' decisions asked the edge to queue: reschedules and dead letters. */
export class RecordingRescheduler<M> {
  readonly rescheduled: Array<{ message: M; delayMs: number }> = [];
  readonly deadLettered: Array<{ message: M; code: string; message_: string }> = [];

  record(decision: Decision): void {
    for (const send of decision.sends)
      this.rescheduled.push({ message: send.message as M, delayMs: send.delayMs ?? 0 });
    for (const letter of decision.deadLetters) {
      this.deadLettered.push({ message: letter.message as M, code: letter.cause.code, message_: letter.cause.message });
    }
  }
}

/** Runs a writer through the shared message handler, as the queue trigger does, recording what it decided. */
export async function runWriter<M extends object>(
  writer: PhotoWriter<M>,
  message: M,
  recorder: RecordingRescheduler<M>,
): Promise<PhotoWriteResult> {
  const decision = await handlePhotoWriteMessage(message, writer, { startedAt: 0, now: () => 0 });
  recorder.record(decision);
  if (!decision.written) throw new Error(`the message did not pass its check: ${JSON.stringify(decision.logs)}`);
  return decision.written.result;
}

/** An error shaped like the M365 adapters' M365RequestError. */
export function m365Failure(fields: Partial<M365Failure> & { status: number }): Error & M365Failure {
  return Object.assign(new Error(fields.message ?? `HTTP ${fields.status}`), {
    service: 'graph',
    code: `HTTP${fields.status}`,
    message: fields.message ?? `HTTP ${fields.status}`,
    retryable: [0, 429, 500, 502, 503, 504].includes(fields.status),
    ...fields,
  });
}
