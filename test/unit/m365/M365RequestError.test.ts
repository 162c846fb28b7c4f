import { M365RequestError, m365ErrorFromResponse, unwrapErrorBody } from '../../../src/m365/M365RequestError';

describe('unwrapErrorBody', () => {
  it('reads the code, message and request id of a Graph error', () => {
    const body = JSON.stringify({
      error: {
        code: 'ErrorNonExistentMailbox',
        message: 'The SMTP address has no mailbox associated with it.',
        innerError: { 'request-id': 'b31c83fd', date: '2026-11-23T10:00:00' },
      },
    });
    expect(unwrapErrorBody(body)).toEqual({
      code: 'ErrorNonExistentMailbox',
      message: 'The SMTP address has no mailbox associated with it.',
      requestId: 'b31c83fd',
    });
  });

  it('reads the SharePoint odata.error shape whose message is an object with a value', () => {
    const body = JSON.stringify({
      'odata.error': {
        code: '-2147024891, System.UnauthorizedAccessException',
        message: { lang: 'en-US', value: 'Access denied.' },
      },
    });
    expect(unwrapErrorBody(body)).toEqual({
      code: '-2147024891, System.UnauthorizedAccessException',
      message: 'Access denied.',
    });
  });

  it('reads the SharePoint error shape of odata=nometadata answers', () => {
    const body = JSON.stringify({
      error: {
        code: '-1, Microsoft.SharePoint.Client.ResourceNotFoundException',
        message: { value: 'List does not exist.' },
      },
    });
    expect(unwrapErrorBody(body).message).toBe('List does not exist.');
  });

  it('reads an Entra token endpoint error', () => {
    const body = JSON.stringify({
      error: 'invalid_client',
      error_description: 'AADSTS7000215: Invalid client secret provided.',
    });
    expect(unwrapErrorBody(body)).toEqual({
      code: 'invalid_client',
      message: 'AADSTS7000215: Invalid client secret provided.',
    });
  });

  it('gives nothing for a body that is not JSON', () => {
    expect(unwrapErrorBody('<html>Service Unavailable</html>')).toEqual({});
  });
});

describe('m365ErrorFromResponse', () => {
  it('keeps status, Retry-After and the request id header, and marks throttling retryable', async () => {
    const response = new Response(JSON.stringify({ error: { code: 'TooManyRequests', message: 'Slow down' } }), {
      status: 429,
      headers: { 'Retry-After': '7', 'request-id': 'req-1' },
    });
    const error = await m365ErrorFromResponse('graph', response);
    expect(error).toBeInstanceOf(M365RequestError);
    expect(error).toMatchObject({
      service: 'graph',
      status: 429,
      code: 'TooManyRequests',
      requestId: 'req-1',
      retryAfterMs: 7000,
      retryable: true,
    });
  });

  it('names the status when the body says nothing and marks a 403 permanent', async () => {
    const error = await m365ErrorFromResponse('sharepoint', new Response('', { status: 403, statusText: 'Forbidden' }));
    expect(error).toMatchObject({ code: 'HTTP403', message: 'Forbidden', retryable: false });
  });
});
