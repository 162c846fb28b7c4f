// "Try again" from the status page (a form POST, answered with a redirect back to the person) or from a script
// (Accept: application/json, answered 202). Sends HR's last drop for the person through ingest again.

import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { statusWiring } from '../compositionRoot';
import { retryPerson } from '../pipeline/status/retryPerson';
import { admitHr, wantsJson } from './status/statusAccess';

export async function statusRetryHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const wiring = statusWiring();
  const admitted = admitHr(request, wiring.access);
  if (!admitted.ok) return admitted.response;
  const userId = request.params.userId ?? '';
  const person = await wiring.people.findUserById(userId);
  if (!person) {
    return {
      status: 404,
      jsonBody: { error: { code: 'unknown-person', message: 'Nobody in the directory has this id.' } },
    };
  }
  const result = await retryPerson(person, wiring);
  context.info(JSON.stringify({ event: 'status-retry', userId: person.id, by: admitted.who, result: result.kind }));
  if (result.kind === 'nothing-to-retry') {
    return { status: 409, jsonBody: { error: { code: 'nothing-to-retry', message: result.message } } };
  }
  if (wantsJson(request)) return { status: 202, jsonBody: { result: 'requeued', droppedAs: result.droppedAs } };
  return { status: 303, headers: { Location: `/api/status?q=${encodeURIComponent(person.id)}&done=retried` } };
}

app.http('statusRetry', {
  route: 'status/people/{userId}/retry',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: statusRetryHandler,
});
