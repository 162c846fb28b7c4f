import { M365RequestError } from '../../../../src/m365/M365RequestError';
import { PHOTO_CHANGE_SCHEMA, type PhotoChange } from '../../../../src/pipeline/messages/messageContracts';
import { decidePhotoChangeFailure } from '../../../../src/pipeline/photoChange/decidePhotoChangeFailure';
import { defaultWriteDecisionOptions } from '../../../../src/pipeline/write/writeDecisions';

function change(attempt: number): PhotoChange {
  return {
    schema: PHOTO_CHANGE_SCHEMA,
    userId: '11111111-1111-4111-8111-111111111111',
    changeType: 'updated',
    receivedAt: '2026-11-23T10:00:00.000Z',
    correlationId: 'corr-1',
    source: 'notification',
    attempt,
  };
}

function graphError(status: number, code: string, fields: { retryAfterMs?: number; retryable?: boolean } = {}) {
  return new M365RequestError({ service: 'graph', status, code, message: `answered ${status}`, ...fields });
}

describe('decidePhotoChangeFailure', () => {
  it('puts a throttled change back on the queue after Retry-After, one attempt further on', () => {
    const decision = decidePhotoChangeFailure(change(2), graphError(429, 'TooManyRequests', { retryAfterMs: 7_000 }));
    expect(decision).toMatchObject({ kind: 'reschedule', delayMs: 7_000, code: 'throttled' });
    expect(decision.kind === 'reschedule' && decision.message).toEqual({ photoChange: { ...change(2), attempt: 3 } });
  });

  it('backs off with jitter when a 503 gives no Retry-After', () => {
    const decision = decidePhotoChangeFailure(change(1), graphError(503, 'ServiceUnavailable'), { random: () => 0.5 });
    // Half of base * 2^attempt, the full-jitter formula of writeDecisions.
    expect(decision).toMatchObject({ kind: 'reschedule', delayMs: defaultWriteDecisionOptions.baseDelayMs });
  });

  it('dead-letters a change still throttled on its last attempt, saying how many attempts were made', () => {
    const last = defaultWriteDecisionOptions.maxAttempts - 1;
    const decision = decidePhotoChangeFailure(
      change(last),
      graphError(429, 'TooManyRequests', { retryAfterMs: 1_000 }),
    );
    expect(decision).toMatchObject({ kind: 'dead-letter', code: 'attempts-exhausted' });
    if (decision.kind !== 'dead-letter') return;
    expect(decision.reason).toContain(`after ${last + 1} attempts`);
    expect(decision.message.photoChange.attempt).toBe(last + 1);
  });

  it('completes a change Graph refuses for good, with the code an operator can act on', () => {
    const decision = decidePhotoChangeFailure(change(0), graphError(403, 'Authorization_RequestDenied'));
    expect(decision).toMatchObject({ kind: 'permanent', code: 'permission-denied' });
    expect(decision.kind === 'permanent' && decision.reason).toContain('ProfilePhoto.ReadWrite.All');
  });

  it('puts the change back with backoff while Graph is unreachable or failing', () => {
    const decision = decidePhotoChangeFailure(change(1), graphError(502, 'BadGateway'), { random: () => 0.5 });
    expect(decision).toMatchObject({ kind: 'reschedule', code: 'unavailable' });
    expect(decision.kind === 'reschedule' && decision.message).toEqual({ photoChange: { ...change(1), attempt: 2 } });
  });

  it('leaves a failure the adapter does not call retryable to the host retries', () => {
    expect(decidePhotoChangeFailure(change(0), graphError(501, 'NotImplemented', { retryable: false }))).toEqual({
      kind: 'throw',
    });
  });
});
