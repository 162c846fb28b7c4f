import { isM365RequestError } from '../../../src/m365/M365RequestError';
import { sendWithRetry, withReservedRequests, type M365RetryOptions } from '../../../src/m365/M365RetryPolicy';
import { RateLimitPacer } from '../../../src/m365/RateLimitPacer';

const fast: M365RetryOptions = {
  maxTries: 3,
  baseDelayMs: 1,
  maxDelayMs: 5,
  maxInProcessWaitMs: 50,
  maxPacedWaitMs: 50,
  timeoutMs: 1_000,
};
const target = { service: 'graph' as const, url: 'https://graph.example/v1.0/users' };

/** A send function that answers the scripted statuses in order and counts calls. */
function scripted(...answers: Array<number | Error | [number, Record<string, string>]>) {
  const calls: AbortSignal[] = [];
  const send = (signal: AbortSignal): Promise<Response> => {
    calls.push(signal);
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (answer instanceof Error) return Promise.reject(answer);
    const [status, headers] = Array.isArray(answer) ? answer : [answer ?? 200, {}];
    return Promise.resolve(new Response(status === 204 ? null : `{"n":${calls.length}}`, { status, headers }));
  };
  return { send, calls };
}

describe('sendWithRetry', () => {
  it('retries a 429 after its short Retry-After and returns the success', async () => {
    const { send, calls } = scripted([429, { 'Retry-After': '0' }], 200);
    const response = await sendWithRetry(send, { ...fast, ...target });
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  it('retries 503 and 504 without a Retry-After using backoff', async () => {
    const { send, calls } = scripted(503, 504, 200);
    expect((await sendWithRetry(send, { ...fast, ...target })).status).toBe(200);
    expect(calls).toHaveLength(3);
  });

  it('does not retry a 500 or a 4xx other than 429', async () => {
    for (const status of [500, 400, 403, 404]) {
      const { send, calls } = scripted(status, 200);
      expect((await sendWithRetry(send, { ...fast, ...target })).status).toBe(status);
      expect(calls).toHaveLength(1);
    }
  });

  it('hands a long Retry-After back at once instead of sleeping it', async () => {
    const { send, calls } = scripted([429, { 'Retry-After': '30' }], 200);
    const started = Date.now();
    const response = await sendWithRetry(send, { ...fast, ...target });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(calls).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops after maxTries and returns the last throttled answer', async () => {
    const { send, calls } = scripted(503);
    expect((await sendWithRetry(send, { ...fast, ...target })).status).toBe(503);
    expect(calls).toHaveLength(3);
  });

  it('retries network failures and then throws an M365RequestError with status 0', async () => {
    const { send, calls } = scripted(new TypeError('fetch failed'));
    const error = await sendWithRetry(send, { ...fast, ...target }).catch((e: unknown) => e);
    expect(isM365RequestError(error) && error.status === 0 && error.code === 'network-error' && error.retryable).toBe(
      true,
    );
    expect(calls).toHaveLength(3);
  });

  it('gives every try an AbortSignal that fires after timeoutMs', async () => {
    const send = (signal: AbortSignal) =>
      new Promise<Response>((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason as Error)),
      );
    const error = await sendWithRetry(send, { ...fast, ...target, maxTries: 1, timeoutMs: 20 }).catch(
      (e: unknown) => e,
    );
    expect(isM365RequestError(error) && error.code).toBe('timeout');
  });
});

describe('sendWithRetry with RateLimit headers', () => {
  it('waits for RateLimit-Reset on a 429 that has no Retry-After', async () => {
    const { send, calls } = scripted([429, { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '0' }], 200);
    expect((await sendWithRetry(send, { ...fast, ...target })).status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  it('hands a long RateLimit-Reset on a 429 back at once', async () => {
    const { send, calls } = scripted([429, { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '30' }], 200);
    expect((await sendWithRetry(send, { ...fast, ...target })).status).toBe(429);
    expect(calls).toHaveLength(1);
  });

  it('does not send when the pacer says the budget is spent for longer than it may wait, and says how long', async () => {
    const pacer = new RateLimitPacer();
    const { send, calls } = scripted([200, { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '30' }]);
    expect((await sendWithRetry(send, { ...fast, ...target, pacer })).status).toBe(200);
    const error = await sendWithRetry(send, { ...fast, ...target, pacer }).catch((e: unknown) => e);
    expect(calls).toHaveLength(1);
    expect(isM365RequestError(error) && error).toMatchObject({
      status: 429,
      code: 'rate-limit-paced',
      retryable: true,
    });
    expect(isM365RequestError(error) ? error.retryAfterMs : 0).toBeGreaterThan(29_000);
  });
});

describe('waiting for the pacer', () => {
  it('sleeps a wait for RateLimit-Reset up to maxPacedWaitMs, though it is longer than a Retry-After would be', async () => {
    const pacer = new RateLimitPacer();
    const { send, calls } = scripted([200, { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '1' }], 200);
    const options = { ...fast, ...target, pacer, maxInProcessWaitMs: 10, maxPacedWaitMs: 3_000 };
    await sendWithRetry(send, options);
    const startedAt = Date.now();
    expect((await sendWithRetry(send, options)).status).toBe(200);
    expect(calls).toHaveLength(2);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
  });
});

describe('withReservedRequests', () => {
  it("inside a reservation, sleeps a service's Retry-After up to maxPacedWaitMs rather than hand back begun work", async () => {
    const options = { ...fast, ...target, maxInProcessWaitMs: 10, maxPacedWaitMs: 3_000 };
    const outside = scripted([429, { 'Retry-After': '1' }], 200);
    expect((await sendWithRetry(outside.send, { ...options, pacer: new RateLimitPacer() })).status).toBe(429);
    expect(outside.calls).toHaveLength(1);

    const pacer = new RateLimitPacer();
    const inside = scripted([429, { 'Retry-After': '1' }], 200);
    const status = await withReservedRequests(pacer, 2, options, async () => {
      return (await sendWithRetry(inside.send, { ...options, pacer })).status;
    });
    expect(status).toBe(200);
    expect(inside.calls).toHaveLength(2);
  });

  it("sends a unit of work's requests under one reservation, or starts none of them when the budget cannot", async () => {
    const pacer = new RateLimitPacer();
    const left = (remaining: number): [number, Record<string, string>] => [
      200,
      { 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': '30' },
    ];
    const { send, calls } = scripted(left(3), left(2), left(1));
    const work = async () => {
      for (let i = 0; i < 3; i++) await sendWithRetry(send, { ...fast, ...target, pacer });
    };
    await withReservedRequests(pacer, 3, { ...fast, ...target }, work);
    expect(calls).toHaveLength(3);
    // The last answer said 1 left, so 3 more cannot start.
    const error = await withReservedRequests(pacer, 3, { ...fast, ...target }, work).catch((e: unknown) => e);
    expect(calls).toHaveLength(3);
    expect(isM365RequestError(error) && error).toMatchObject({ status: 429, code: 'rate-limit-paced' });
    expect(isM365RequestError(error) ? error.message : '').toMatch(/Not started \(3 requests\)/);
  });
});
