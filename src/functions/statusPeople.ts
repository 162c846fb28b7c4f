// The status page's JSON API for scripts: `GET /api/status/people?q=…` answers the same search and state as the
// page. 404 when nobody matches, 409 with the candidates when several do, 400 for unusable input.

import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { statusWiring } from '../compositionRoot';
import { findPerson } from '../pipeline/status/findPerson';
import { personStatus } from '../pipeline/status/personStatus';
import { statusPhotoSources } from '../pipeline/status/StatusPhotoPort';
import { admitHr } from './status/statusAccess';
import { photoUrl } from './status/personPageHtml';

const statusOf = { none: 404, many: 409, invalid: 400 } as const;

export async function statusPeopleHandler(request: HttpRequest): Promise<HttpResponseInit> {
  const wiring = statusWiring();
  const admitted = admitHr(request, wiring.access);
  if (!admitted.ok) return admitted.response;
  const result = await findPerson(request.query.get('q') ?? '', wiring.people);
  const headers = { 'Cache-Control': 'no-store' };
  if (result.kind !== 'found') {
    const people = result.kind === 'many' ? { people: result.people } : {};
    return {
      status: statusOf[result.kind],
      headers,
      jsonBody: { result: result.kind, message: result.message, ...people },
    };
  }
  const status = await personStatus(result.person, wiring);
  const photos = Object.fromEntries(statusPhotoSources.map((s) => [s, photoUrl(result.person.id, s)]));
  return { status: 200, headers, jsonBody: { result: 'found', ...status, photos } };
}

app.http('statusPeople', {
  route: 'status/people',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: statusPeopleHandler,
});
