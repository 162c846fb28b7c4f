// In-memory stand-ins for the writers' storage ports (the Azure Table and queue adapters are exercised against
// Azurite in test/integration/writers).

import type {
  PhotoState,
  PhotoStatePatch,
  PhotoStatePort,
  PhotoTarget,
} from '../../../../src/pipeline/write/PhotoStatePort';
import type { WriteReschedulePort } from '../../../../src/pipeline/write/writePhotoToTarget';
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

export class RecordingRescheduler<M> implements WriteReschedulePort<M> {
  readonly rescheduled: Array<{ message: M; delayMs: number }> = [];
  readonly deadLettered: Array<{ message: M; code: string; message_: string }> = [];

  reschedule(message: M, options: { delayMs: number }): Promise<void> {
    this.rescheduled.push({ message, delayMs: options.delayMs });
    return Promise.resolve();
  }

  deadLetter(message: M, cause: { code: string; message: string }): Promise<void> {
    this.deadLettered.push({ message, code: cause.code, message_: cause.message });
    return Promise.resolve();
  }
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
