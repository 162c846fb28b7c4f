// The chain every Microsoft 365 call goes down, in order, with what each named policy adds to the request.

import type { M365Auth } from '../../../src/m365/M365Auth';
import { M365Transport } from '../../../src/m365/M365Transport';
import type { M365Request } from '../../../src/m365/policies/M365Policy';
import { defaultRetryOptions } from '../../../src/m365/policies/retryPolicy';

const auth: M365Auth = {
  credentialKind: 'certificate',
  getToken: (origin) => Promise.resolve(`token-for-${origin}`),
};

function transport(paceByRateLimitHeaders?: boolean) {
  const sent: M365Request[] = [];
  const m365 = new M365Transport({
    auth,
    userAgent: 'NONISV|Contoso|M365PhotoSync/0.1.0',
    retry: { ...defaultRetryOptions, timeoutMs: 1_000 },
    ...(paceByRateLimitHeaders === undefined ? {} : { paceByRateLimitHeaders }),
    transport: (request) => {
      sent.push(request);
      return Promise.resolve(new Response('{}', { status: 200 }));
    },
  });
  return { m365, sent };
}

describe('M365Transport', () => {
  it('chains auth, user agent, retry, pacing and timeout over the transport, in that order', () => {
    expect(transport().m365.policies.map((policy) => policy.name)).toEqual([
      'auth',
      'user-agent',
      'retry',
      'pacing',
      'timeout',
    ]);
    expect(transport(false).m365.policies.map((policy) => policy.name)).not.toContain('pacing');
  });

  it("sends each call with the origin's bearer token, the User-Agent and a timeout signal", async () => {
    const { m365, sent } = transport();
    await m365.request('sharepoint', 'https://contoso-my.sharepoint.com/_api/web', { method: 'POST', body: 'x' });
    const [request] = sent;
    expect(request?.headers.get('Authorization')).toBe('Bearer token-for-https://contoso-my.sharepoint.com');
    expect(request?.headers.get('User-Agent')).toBe('NONISV|Contoso|M365PhotoSync/0.1.0');
    expect(request?.signal).toBeInstanceOf(AbortSignal);
    expect([request?.method, request?.body]).toEqual(['POST', 'x']);
  });

  it('passes the reservation a unit of work holds with each of its calls, and none outside it', async () => {
    const { m365, sent } = transport();
    await m365.withReservedRequests('sharepoint', 'https://contoso-my.sharepoint.com', 2, async (reservation) => {
      await m365.send('sharepoint', 'https://contoso-my.sharepoint.com/a', { reservation });
      await m365.send('sharepoint', 'https://contoso-my.sharepoint.com/b', { reservation });
    });
    await m365.send('sharepoint', 'https://contoso-my.sharepoint.com/c');
    expect(sent.map((request) => request.reservation !== undefined)).toEqual([true, true, false]);
  });
});
