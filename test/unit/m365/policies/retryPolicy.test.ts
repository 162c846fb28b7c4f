// The retry, pacing and timeout policies of the Microsoft 365 chain, over a scripted service in place of fetch.

import { isM365RequestError, m365ErrorFromNetworkFailure } from '../../../../src/m365/M365RequestError';
import { fetchTransport } from '../../../../src/m365/policies/fetchTransport';
import { chainPolicies, type M365Request, type SendRequest } from '../../../../src/m365/policies/M365Policy';
import { pacingPolicy, type PacingPolicy } from '../../../../src/m365/policies/pacingPolicy';
import { retryPolicy, type M365RetryOptions } from '../../../../src/m365/policies/retryPolicy';
import { timeoutPolicy } from '../../../../src/m365/policies/timeoutPolicy';
import type { BudgetReservation } from '../../../../src/m365/RateLimitPacer';

const fast: M365RetryOptions = {
  maxTries: 3,
  baseDelayMs: 1,
  maxDelayMs: 5,
  maxInProcessWaitMs: 50,
  maxPacedWaitMs: 50,
  timeoutMs: 1_000,
};
const URL_ = 'https://graph.example/v1.0/users';

/** A service that answers the scripted statuses in order, counts calls, and fails like fetch does. */
function scripted(...answers: Array<number | Error | [number, Record<string, string>]>) {
  const calls: AbortSignal[] = [];
  const transport: SendRequest = (request) => {
    calls.push(request.signal as AbortSignal);
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (answer instanceof Error)
      return Promise.reject(m365ErrorFromNetworkFailure(request.service, request.url, answer));
    const [status, headers] = Array.isArray(answer) ? answer : [answer ?? 200, {}];
    return Promise.resolve(new Response(status === 204 ? null : `{"n":${calls.length}}`, { status, headers }));
  };
  return { transport, calls };
}

/** retry → (pacing) → timeout → the scripted service, as M365Transport chains them. */
function chain(transport: SendRequest, options: M365RetryOptions = fast, pacing?: PacingPolicy) {
  const send = chainPolicies(
    [retryPolicy(options), ...(pacing ? [pacing] : []), timeoutPolicy(options.timeoutMs)],
    transport,
  );
  return (reservation?: BudgetReservation): Promise<Response> => {
    const request: M365Request = { service: 'sharepoint', url: URL_, method: 'GET', headers: new Headers() };
    return send(reservation ? { ...request, reservation } : request);
  };
}

describe('retryPolicy', () => {
  it('retries a 429 after its short Retry-After and returns the success', async () => {
    const { transport, calls } = scripted([429, { 'Retry-After': '0' }], 200);
    expect((await chain(transport)()).status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  it('retries 503 and 504 without a Retry-After using backoff', async () => {
    const { transport, calls } = scripted(503, 504, 200);
    expect((await chain(transport)()).status).toBe(200);
    expect(calls).toHaveLength(3);
  });

  it('does not retry a 500 or a 4xx other than 429', async () => {
    for (const status of [500, 400, 403, 404]) {
      const { transport, calls } = scripted(status, 200);
      expect((await chain(transport)()).status).toBe(status);
      expect(calls).toHaveLength(1);
    }
  });

  it('hands a long Retry-After back at once instead of sleeping it', async () => {
    const { transport, calls } = scripted([429, { 'Retry-After': '30' }], 200);
    const started = Date.now();
    const response = await chain(transport)();
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(calls).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops after maxTries and returns the last throttled answer', async () => {
    const { transport, calls } = scripted(503);
    expect((await chain(transport)()).status).toBe(503);
    expect(calls).toHaveLength(3);
  });

  it('retries network failures and then throws an M365RequestError with status 0', async () => {
    const { transport, calls } = scripted(new TypeError('fetch failed'));
    const error = await chain(transport)().catch((e: unknown) => e);
    expect(isM365RequestError(error) && error.status === 0 && error.code === 'network-error' && error.retryable).toBe(
      true,
    );
    expect(calls).toHaveLength(3);
  });

  it('waits for RateLimit-Reset on a 429 that has no Retry-After', async () => {
    const { transport, calls } = scripted([429, { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '0' }], 200);
    expect((await chain(transport)()).status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  it('hands a long RateLimit-Reset on a 429 back at once', async () => {
    const { transport, calls } = scripted([429, { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '30' }], 200);
    expect((await chain(transport)()).status).toBe(429);
    expect(calls).toHaveLength(1);
  });
});

describe('timeoutPolicy', () => {
  it('gives every try a fresh AbortSignal that fires after timeoutMs, reported as a timeout', async () => {
    const transport: SendRequest = (request) =>
      new Promise<Response>((_resolve, reject) =>
        request.signal?.addEventListener('abort', () =>
          reject(m365ErrorFromNetworkFailure(request.service, request.url, request.signal?.reason)),
        ),
      );
    const error = await chain(transport, { ...fast, maxTries: 1, timeoutMs: 20 })().catch((e: unknown) => e);
    expect(isM365RequestError(error) && error.code).toBe('timeout');
  });

  it('hands each retry its own signal', async () => {
    const { transport, calls } = scripted(503, 200);
    await chain(transport)();
    expect(calls).toHaveLength(2);
    expect(calls[0]).not.toBe(calls[1]);
  });
});

describe('fetchTransport', () => {
  it('turns a call nobody answers into a retryable network-error', async () => {
    // Port 9 (discard) is closed on this machine: the connection is refused at once.
    const error = await fetchTransport({
      service: 'graph',
      url: 'http://127.0.0.1:9/',
      method: 'GET',
      headers: new Headers(),
    }).catch((e: unknown) => e);
    expect(isM365RequestError(error) && [error.status, error.code, error.retryable]).toEqual([
      0,
      'network-error',
      true,
    ]);
  });
});

describe('pacingPolicy', () => {
  it('does not send when the budget is spent for longer than it may wait, and says how long', async () => {
    const { transport, calls } = scripted([200, { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '30' }]);
    const send = chain(transport, fast, pacingPolicy(fast));
    expect((await send()).status).toBe(200);
    const error = await send().catch((e: unknown) => e);
    expect(calls).toHaveLength(1);
    expect(isM365RequestError(error) && error).toMatchObject({
      status: 429,
      code: 'rate-limit-paced',
      retryable: true,
    });
    expect(isM365RequestError(error) ? error.retryAfterMs : 0).toBeGreaterThan(29_000);
  });

  it('sleeps a wait for RateLimit-Reset up to maxPacedWaitMs, though it is longer than a Retry-After would be', async () => {
    const options = { ...fast, maxInProcessWaitMs: 10, maxPacedWaitMs: 3_000 };
    const { transport, calls } = scripted([200, { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '1' }], 200);
    const send = chain(transport, options, pacingPolicy(options));
    await send();
    const startedAt = Date.now();
    expect((await send()).status).toBe(200);
    expect(calls).toHaveLength(2);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
  });

  it("with a reservation, the retry sleeps a service's Retry-After up to maxPacedWaitMs rather than hand back begun work", async () => {
    const options = { ...fast, maxInProcessWaitMs: 10, maxPacedWaitMs: 3_000 };
    const outside = scripted([429, { 'Retry-After': '1' }], 200);
    expect((await chain(outside.transport, options, pacingPolicy(options))()).status).toBe(429);
    expect(outside.calls).toHaveLength(1);

    const pacing = pacingPolicy(options);
    const inside = scripted([429, { 'Retry-After': '1' }], 200);
    const send = chain(inside.transport, options, pacing);
    const status = await pacing.reserve('sharepoint', URL_, 2, async (reservation) => (await send(reservation)).status);
    expect(status).toBe(200);
    expect(inside.calls).toHaveLength(2);
  });

  it("sends a unit of work's requests under one reservation, or starts none of them when the budget cannot", async () => {
    const left = (remaining: number): [number, Record<string, string>] => [
      200,
      { 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': '30' },
    ];
    const { transport, calls } = scripted(left(3), left(2), left(1));
    const pacing = pacingPolicy(fast);
    const send = chain(transport, fast, pacing);
    const work = async (reservation: BudgetReservation) => {
      for (let i = 0; i < 3; i++) await send(reservation);
    };
    await pacing.reserve('sharepoint', URL_, 3, work);
    expect(calls).toHaveLength(3);
    // The last answer said 1 left, so 3 more cannot start.
    const error = await pacing.reserve('sharepoint', URL_, 3, work).catch((e: unknown) => e);
    expect(calls).toHaveLength(3);
    expect(isM365RequestError(error) && error).toMatchObject({ status: 429, code: 'rate-limit-paced' });
    expect(isM365RequestError(error) ? error.message : '').toMatch(/Not started \(3 requests\)/);
  });
});
