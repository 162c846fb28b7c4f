// One photo for the status page, read live from where it is (Graph, SharePoint, HR's last drop as rendered) and
// passed through the app: never a storage or SharePoint link, and `no-store` so no browser or proxy keeps it.

import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { statusWiring } from '../compositionRoot';
import { isStatusPhotoSource } from '../pipeline/status/StatusPhotoPort';
import { admitHr } from './status/statusAccess';

export async function statusPhotoHandler(request: HttpRequest): Promise<HttpResponseInit> {
  const wiring = statusWiring();
  const admitted = admitHr(request, wiring.access);
  if (!admitted.ok) return admitted.response;
  const source = request.params.source ?? '';
  const notFound = (message: string): HttpResponseInit => ({
    status: 404,
    headers: { 'Cache-Control': 'no-store' },
    jsonBody: { error: { code: 'no-photo', message } },
  });
  if (!isStatusPhotoSource(source)) return notFound(`Unknown photo "${source}".`);
  const person = await wiring.people.findUserById(request.params.userId ?? '');
  if (!person) return notFound('Nobody in the directory has this id.');
  const lastDrop = source === 'dropped' ? await wiring.drops.lastDropFor(person.id) : undefined;
  const bytes = await wiring.photos.read(source, {
    id: person.id,
    userPrincipalName: person.userPrincipalName,
    ...(lastDrop?.contentHash ? { lastDropHash: lastDrop.contentHash } : {}),
  });
  if (!bytes) return notFound(`No ${source} photo for ${person.userPrincipalName}.`);
  return {
    status: 200,
    headers: {
      'Content-Type': 'image/jpeg',
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
    body: bytes,
  };
}

app.http('statusPhoto', {
  route: 'status/people/{userId}/photos/{source}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: statusPhotoHandler,
});
