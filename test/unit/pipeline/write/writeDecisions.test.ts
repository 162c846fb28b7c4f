import { backoffDelayMs, decideOnFailure, type M365Failure } from '../../../../src/pipeline/write/writeDecisions';

const options = { attempt: 0, maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };

function failure(fields: Partial<M365Failure>): M365Failure {
  return { service: 'graph', status: 500, code: 'HTTP500', message: 'boom', retryable: true, ...fields };
}

describe('decideOnFailure', () => {
  it('reschedules a 429 after its Retry-After', () => {
    const decision = decideOnFailure(
      'exchange',
      failure({ status: 429, code: 'TooManyRequests', retryAfterMs: 12_000 }),
      options,
    );
    expect(decision).toMatchObject({ kind: 'reschedule', delayMs: 12_000, code: 'throttled' });
  });

  it('reschedules a 503 without Retry-After within the jittered backoff bound', () => {
    const decision = decideOnFailure('sharepoint', failure({ status: 503 }), {
      ...options,
      attempt: 2,
      random: () => 0.5,
    });
    expect(decision).toMatchObject({ kind: 'reschedule', delayMs: 2_000 });
  });

  it('dead-letters throttling once the attempts are used up', () => {
    const decision = decideOnFailure('exchange', failure({ status: 429, retryAfterMs: 1_000 }), {
      ...options,
      attempt: 4,
    });
    expect(decision).toMatchObject({ kind: 'dead-letter', code: 'attempts-exhausted' });
  });

  it('records a user without a mailbox as permanent, saying SharePoint is unaffected', () => {
    const decision = decideOnFailure(
      'exchange',
      failure({ status: 404, code: 'ErrorNonExistentMailbox', retryable: false }),
      options,
    );
    expect(decision.kind).toBe('permanent');
    expect(decision.kind === 'permanent' && decision.code).toBe('no-exchange-mailbox');
    expect(decision.kind === 'permanent' && decision.message).toMatch(/SharePoint photo is unaffected/);
  });

  it('records an on-premises mailbox as permanent', () => {
    const decision = decideOnFailure(
      'exchange',
      failure({ status: 400, code: 'MailboxNotHostedInExchangeOnline', retryable: false }),
      options,
    );
    expect(decision).toMatchObject({ kind: 'permanent', code: 'mailbox-on-premises' });
  });

  it('names the Graph permission to grant on a 403 from Exchange', () => {
    const decision = decideOnFailure(
      'exchange',
      failure({ status: 403, code: 'ErrorAccessDenied', retryable: false }),
      options,
    );
    expect(decision).toMatchObject({ kind: 'permanent', code: 'permission-denied' });
    expect(decision.kind === 'permanent' && decision.message).toMatch(/ProfilePhoto\.ReadWrite\.All/);
  });

  it('names the SharePoint permissions to grant on a 403 from SharePoint', () => {
    const decision = decideOnFailure(
      'sharepoint',
      failure({ service: 'sharepoint', status: 403, retryable: false }),
      options,
    );
    expect(decision.kind === 'permanent' && decision.message).toMatch(/Sites\.FullControl\.All.*User\.ReadWrite\.All/);
  });

  it('says a certificate is needed when SharePoint refuses an app-only token from a secret', () => {
    const decision = decideOnFailure(
      'sharepoint',
      failure({
        service: 'sharepoint',
        status: 401,
        code: 'HTTP401',
        message: 'Unsupported app only token.',
        retryable: false,
      }),
      options,
    );
    expect(decision).toMatchObject({ kind: 'permanent', code: 'certificate-required' });
  });

  it('records a deleted user as permanent', () => {
    const decision = decideOnFailure(
      'exchange',
      failure({ status: 404, code: 'Request_ResourceNotFound', retryable: false }),
      options,
    );
    expect(decision).toMatchObject({ kind: 'permanent', code: 'user-not-found' });
  });

  describe("Graph's answers for people without an Exchange Online mailbox (each reported variant)", () => {
    it('records the codes that say so as permanent', () => {
      const nonExistent = failure({ status: 404, code: 'ErrorNonExistentMailbox', retryable: false });
      const authentication = failure({ status: 400, code: 'AuthenticationError', retryable: false });
      const notHosted = failure({ status: 404, code: 'MailboxNotHostedInExchangeOnline', retryable: false });
      expect(decideOnFailure('exchange', nonExistent, options)).toMatchObject({ code: 'no-exchange-mailbox' });
      expect(decideOnFailure('exchange', authentication, options)).toMatchObject({
        kind: 'permanent',
        code: 'no-exchange-mailbox',
      });
      expect(decideOnFailure('exchange', notHosted, options)).toMatchObject({ code: 'mailbox-on-premises' });
    });

    it('waits on a bare 404 or MailboxNotEnabledForRESTAPI instead of writing the person off', () => {
      const now = new Date('2026-12-02T12:00:00Z');
      for (const code of ['HTTP404', 'MailboxNotEnabledForRESTAPI']) {
        const decision = decideOnFailure('exchange', failure({ status: 404, code, retryable: false }), {
          ...options,
          now,
        });
        expect(decision).toMatchObject({
          kind: 'wait',
          code: 'waiting-for-mailbox',
          delayMs: 5 * 60_000,
          since: now.toISOString(),
        });
      }
      // Three days on, the same answer is recorded for an admin to look at.
      const late = decideOnFailure('exchange', failure({ status: 404, code: 'HTTP404', retryable: false }), {
        ...options,
        now: new Date('2026-12-05T12:00:00Z'),
        waitingSince: now.toISOString(),
      });
      expect(late).toMatchObject({ kind: 'permanent', code: 'exchange-not-found' });
    });
  });

  it('tells SharePoint 500s apart by the exception they name', () => {
    const sharePoint500 = (code: string) => failure({ service: 'sharepoint', status: 500, code, retryable: true });
    const ns = '-1, Microsoft.Office.Server.UserProfiles.';
    expect(decideOnFailure('sharepoint', sharePoint500(`${ns}UserNotFoundException`), options)).toMatchObject({
      kind: 'wait',
      code: 'waiting-for-profile',
    });
    expect(
      decideOnFailure('sharepoint', { ...sharePoint500(`${ns}PropertyNotEditableException`), property: 'X' }, options),
    ).toMatchObject({
      kind: 'permanent',
      code: 'profile-property-not-editable',
      message: expect.stringMatching(/set X/),
    });
    expect(decideOnFailure('sharepoint', sharePoint500(`${ns}PropertyNotFoundException`), options)).toMatchObject({
      kind: 'permanent',
      code: 'profile-property-unknown',
    });
    // Any other SharePoint 500 is a server fault: rescheduled like an outage.
    expect(
      decideOnFailure('sharepoint', sharePoint500('-2146232832, Microsoft.SharePoint.SPException'), options),
    ).toMatchObject({ kind: 'reschedule', code: 'unavailable' });
  });

  it('waits for a Profile Pictures folder a new tenant has not created yet', () => {
    const missing = failure({
      service: 'sharepoint',
      status: 404,
      code: 'profile-pictures-folder-missing',
      retryable: false,
    });
    expect(decideOnFailure('sharepoint', missing, options)).toMatchObject({
      kind: 'wait',
      code: 'waiting-for-picture-folder',
    });
  });

  it('reschedules with backoff while Microsoft 365 is unreachable or failing, so an outage parks nothing', () => {
    for (const status of [0, 500, 502, 504]) {
      const decision = decideOnFailure('exchange', failure({ status }), { ...options, random: () => 0.5 });
      expect(decision).toMatchObject({ kind: 'reschedule', code: 'unavailable' });
    }
  });

  it('dead-letters a write Microsoft 365 kept failing through every attempt', () => {
    const decision = decideOnFailure('exchange', failure({ status: 0, code: 'network-error' }), {
      ...options,
      attempt: options.maxAttempts - 1,
    });
    expect(decision).toMatchObject({ kind: 'dead-letter', code: 'attempts-exhausted' });
    expect(decision.kind === 'dead-letter' && decision.message).toMatch(/^Still failing after 5 attempts/);
  });

  it('throws a failure the adapter does not call retryable back to the host', () => {
    expect(decideOnFailure('exchange', failure({ status: 501, retryable: false }), options)).toEqual({ kind: 'throw' });
  });
});

describe('backoffDelayMs', () => {
  const bounds = { baseDelayMs: 5_000, maxDelayMs: 60_000 };

  it('stays within [1 s, base * 2^attempt] with full jitter', () => {
    expect(backoffDelayMs(0, { ...bounds, random: () => 0 })).toBe(1_000);
    expect(backoffDelayMs(0, { ...bounds, random: () => 0.999999 })).toBe(5_000);
    expect(backoffDelayMs(2, { ...bounds, random: () => 0.999999 })).toBe(20_000);
  });

  it('never exceeds the maximum delay however many attempts', () => {
    expect(backoffDelayMs(30, { ...bounds, random: () => 0.999999 })).toBe(60_000);
  });

  it('spreads delays out (jitter) rather than repeating one value', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3, bounds)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(1_000);
      expect(d).toBeLessThanOrEqual(40_000);
    }
  });
});
