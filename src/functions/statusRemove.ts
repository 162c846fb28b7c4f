// "Remove" from the status page: GET shows the confirmation step, POST (with `confirm=yes`, from that page's form, or
// JSON `{"confirm":true,"reason":"…"}` from a script) asks for the removal and answers with a redirect back to the
// person (or 202 and the removal). The HR group check applies to both; the consumer of photo-removals does the rest.

import { protectedAccountMessage } from '../pipeline/ingest/ProtectedAccountsPort';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { removalRequestWiring, statusWiring } from '../compositionRoot';
import { readRequestText } from '../edge/readRequestText';
import { describeRemoval } from '../pipeline/status/describeRemoval';
import { requestRemoval } from '../pipeline/status/requestRemoval';
import { admitHr, htmlResponse, wantsJson } from './status/statusAccess';
import { removalRefusedHtml, removeConfirmationHtml } from './status/removePageHtml';

const MAX_BODY_BYTES = 8 * 1024;

function problem(request: HttpRequest, status: number, code: string, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } };
}

/** `confirm` and `reason` from the form or a JSON body; undefined when the body is unreadable. */
async function readAsk(request: HttpRequest): Promise<{ confirmed: boolean; reason: string } | undefined> {
  const body = await readRequestText(request, MAX_BODY_BYTES);
  if (!body.ok) return undefined;
  if ((request.headers.get('content-type') ?? '').includes('application/json')) {
    try {
      const parsed = JSON.parse(body.text || '{}') as { confirm?: unknown; reason?: unknown };
      return { confirmed: parsed.confirm === true, reason: typeof parsed.reason === 'string' ? parsed.reason : '' };
    } catch {
      return undefined;
    }
  }
  const form = new URLSearchParams(body.text);
  return { confirmed: form.get('confirm') === 'yes', reason: form.get('reason') ?? '' };
}

export async function statusRemoveHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const wiring = statusWiring();
  const admitted = admitHr(request, wiring.access);
  if (!admitted.ok) return admitted.response;
  const person = await wiring.people.findUserById(request.params.userId ?? '');
  if (!person) {
    return problem(request, 404, 'unknown-person', 'Nobody in the directory has this id: nothing was removed.');
  }
  if (await removalRequestWiring().protectedAccounts?.isProtected(person.id)) {
    // Removing is changing: a protected account's photo is set by an administrator, never by this app.
    const message = `${protectedAccountMessage} Nothing was removed.`;
    if (wantsJson(request)) return problem(request, 403, 'protected-account', message);
    return htmlResponse(403, removalRefusedHtml(person, message));
  }
  if (request.method === 'GET') return htmlResponse(200, removeConfirmationHtml(person));
  const ask = await readAsk(request);
  if (!ask) return problem(request, 400, 'unreadable-request', 'The request body could not be read.');
  if (!ask.confirmed) {
    const message = 'Confirm the removal first: nothing was removed.';
    if (wantsJson(request)) return problem(request, 400, 'not-confirmed', message);
    return htmlResponse(400, removeConfirmationHtml(person, { alert: message }));
  }
  const via = wantsJson(request) ? 'api' : 'status-page';
  const record = await requestRemoval(
    person,
    { requestedBy: admitted.who, via, reason: ask.reason },
    removalRequestWiring(),
  );
  context.info(
    JSON.stringify({
      event: 'removal-requested',
      userId: person.id,
      requestId: record.requestId,
      by: admitted.who,
      via,
    }),
  );
  if (wantsJson(request)) {
    return { status: 202, jsonBody: { requestId: record.requestId, removal: describeRemoval(record) } };
  }
  return {
    status: 303,
    headers: { Location: `/api/status?q=${encodeURIComponent(person.id)}&done=removal-requested` },
  };
}

app.http('statusRemove', {
  route: 'status/people/{userId}/remove',
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: statusRemoveHandler,
});
