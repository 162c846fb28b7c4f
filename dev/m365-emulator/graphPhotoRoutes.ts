// Graph user photos, served by Exchange Online: metadata, `$value` read/write (PUT or PATCH, image body ≤ 4 MB),
// delete; plus the tenant photo policy (beta `admin/people/photoUpdateSettings`).
// Delete, read harshly from profilephoto-delete: only `DELETE /users/{id | upn}/photo/$value` is documented (not
// `/photo`); an app needs `User.ReadWrite.All` (the v1.0 page lists no lesser application permission, although a
// localised copy names ProfilePhoto.ReadWrite.All); success is `200 OK` with no body; a person without a photo is
// answered as a read is (404 ImageNotFound: undocumented for delete, so callers must take it as "already gone");
// the mailbox and tenant-policy refusals of a write apply. A later GET answers 404 ImageNotFound.
// https://learn.microsoft.com/graph/api/profilephoto-get, https://learn.microsoft.com/graph/api/profilephoto-update,
// https://learn.microsoft.com/graph/api/profilephoto-delete, https://learn.microsoft.com/graph/profilephoto-configure-settings

import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { EmulatorContext } from './EmulatorContext';
import { graphError } from './graphError';
import {
  bytesResponse,
  emptyResponse,
  jsonResponse,
  type EmulatorRequest,
  type EmulatorResponse,
} from './HttpExchange';
import type { HttpRouter } from './HttpRouter';
import { requireGraphApp } from './requireGraphApp';
import type { TenantUser } from './Tenant';
import { storeExchangePhoto } from './storeExchangePhoto';

const readRoles = ['ProfilePhoto.Read.All', 'ProfilePhoto.ReadWrite.All', 'User.Read.All', 'User.ReadWrite.All'];
const writeRoles = ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All'];
const deleteRoles = ['User.ReadWrite.All'];
const maxPhotoBytes = 4 * 1024 * 1024;

export function addGraphPhotoRoutes(router: HttpRouter<EmulatorContext>): void {
  router
    .add('GET', /^\/v1\.0\/users\/([^/]+)\/photo$/i, 'photo.metadata', getMetadata)
    .add('DELETE', /^\/v1\.0\/users\/([^/]+)\/photo\/\$value$/i, 'photo.value.delete', deletePhoto)
    .add('GET', /^\/v1\.0\/users\/([^/]+)\/photo\/\$value$/i, 'photo.value.get', getValue)
    .add(['PUT', 'PATCH'], /^\/v1\.0\/users\/([^/]+)\/photo\/\$value$/i, 'photo.value.put', putValue)
    .add('GET', /^\/beta\/admin\/people\/photoUpdateSettings$/i, 'photoUpdateSettings.get', getPhotoUpdateSettings);
}

type Resolved = { ok: true; user: TenantUser } | { ok: false; response: EmulatorResponse };

async function resolve(request: EmulatorRequest, id: string, ctx: EmulatorContext, roles: string[]): Promise<Resolved> {
  const auth = await requireGraphApp(request, ctx, { anyOf: roles, workload: 'exchange' });
  if (!auth.ok) return auth;
  const user = ctx.tenant.findUser(id);
  if (!user) {
    return {
      ok: false,
      response: graphError(404, 'ErrorInvalidUser', `The requested user '${id}' is invalid.`, {
        request,
        now: ctx.now(),
      }),
    };
  }
  const refused = await enterMailbox(request, user, auth.claims.appid, ctx);
  return refused ? { ok: false, response: refused } : { ok: true, user };
}

/**
 * Photo calls count under the Outlook limits of the user's mailbox, per app: 4 concurrent requests and 10,000 per
 * 10 minutes; over either, Exchange answers `429 ApplicationThrottled` ("Application is over its
 * MailboxConcurrency limit." is the documented-in-the-wild text for the first; the second's wording is ours).
 * https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
 */
async function enterMailbox(
  request: EmulatorRequest,
  user: TenantUser,
  appId: string,
  ctx: EmulatorContext,
): Promise<EmulatorResponse | undefined> {
  if (user.mailbox !== 'exchangeOnline') return undefined;
  const verdict = ctx.policy.enterMailbox(appId, user.id, request);
  if (!verdict.ok) {
    return graphError(429, 'ApplicationThrottled', `Application is over its ${verdict.budget} limit.`, {
      request,
      now: ctx.now(),
      headers: { 'retry-after': String(verdict.retryAfterSeconds) },
    });
  }
  const { holdMs } = ctx.policy.getMailboxLimits();
  if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
  return undefined;
}

/** Writes need an Exchange Online mailbox and a tenant whose photo updates are cloud-managed. */
function refuseWrite(request: EmulatorRequest, user: TenantUser, ctx: EmulatorContext): EmulatorResponse | undefined {
  const now = ctx.now();
  if (ctx.tenant.photoUpdateSource === 'onPremises') {
    return graphError(
      403,
      'ErrorAccessDenied',
      "Access is denied. Photo updates in the cloud are disabled: the organization's photoUpdateSettings source is 'onPremises'.",
      { request, now },
    );
  }
  if (user.mailbox === 'none') return refuseMailboxless(request, ctx);
  if (user.mailbox === 'provisioning') {
    return graphError(
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
      {
        request,
        now,
      },
    );
  }
  if (user.mailbox === 'onPremises') {
    return graphError(
      404,
      'MailboxNotHostedInExchangeOnline',
      'The mailbox is hosted in an on-premises Exchange organization, not in Exchange Online.',
      { request, now },
    );
  }
  return undefined;
}

/** The tenant's answer for a photo write of a person without an Exchange Online mailbox (`undefined`: accepted). */
function refuseMailboxless(request: EmulatorRequest, ctx: EmulatorContext): EmulatorResponse | undefined {
  const now = ctx.now();
  switch (ctx.tenant.mailboxlessPhotoWrite) {
    case 'accepted':
      return undefined;
    case 'bareNotFound':
      return emptyResponse(404, { 'request-id': randomUUID() });
    case 'authenticationError':
      return graphError(400, 'AuthenticationError', 'Error authenticating with resource', { request, now });
    case 'notHostedInExchangeOnline':
      return graphError(
        404,
        'MailboxNotHostedInExchangeOnline',
        'The mailbox is hosted in an on-premises Exchange organization, not in Exchange Online.',
        { request, now },
      );
    case 'nonExistentMailbox':
      return graphError(404, 'ErrorNonExistentMailbox', 'The SMTP address has no mailbox associated with it.', {
        request,
        now,
      });
  }
}

function imageNotFound(request: EmulatorRequest, ctx: EmulatorContext): EmulatorResponse {
  return graphError(
    404,
    'ImageNotFound',
    "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
    { request, now: ctx.now() },
  );
}

async function getMetadata(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const found = await resolve(request, params[0] ?? '', ctx, readRoles);
  if (!found.ok) return found.response;
  const photo = ctx.tenant.readPhoto(found.user);
  if (!photo) return imageNotFound(request, ctx);
  return jsonResponse(200, {
    '@odata.context': `${ctx.urls.graphBaseUrl}/v1.0/$metadata#users('${found.user.id}')/photo/$entity`,
    '@odata.mediaContentType': photo.contentType,
    '@odata.mediaEtag': photo.mediaEtag,
    id: `${photo.width}X${photo.height}`,
    width: photo.width,
    height: photo.height,
  });
}

async function getValue(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const found = await resolve(request, params[0] ?? '', ctx, readRoles);
  if (!found.ok) return found.response;
  const photo = ctx.tenant.readPhoto(found.user);
  if (!photo) return imageNotFound(request, ctx);
  const response = bytesResponse(200, photo.contentType, photo.bytes);
  response.headers.etag = photo.mediaEtag;
  return response;
}

async function putValue(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const found = await resolve(request, params[0] ?? '', ctx, writeRoles);
  if (!found.ok) return found.response;
  const refused = refuseWrite(request, found.user, ctx);
  if (refused) return refused;
  const now = ctx.now();
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!['image/jpeg', 'image/png', 'image/gif'].includes(contentType)) {
    return graphError(
      415,
      'UnsupportedMediaType',
      `The content type '${contentType}' is not supported for photos; use image/jpeg.`,
      { request, now },
    );
  }
  if (request.body.length === 0) return graphError(400, 'ErrorInvalidRequest', 'The photo is empty.', { request, now });
  if (request.body.length > maxPhotoBytes) {
    return graphError(413, 'RequestBodyTooLarge', `The photo is ${request.body.length} bytes; the limit is 4 MB.`, {
      request,
      now,
    });
  }
  let size: { width: number; height: number };
  try {
    const meta = await sharp(request.body, { failOn: 'error' }).metadata();
    size = { width: meta.width ?? 0, height: meta.height ?? 0 };
  } catch {
    return graphError(400, 'ImageProcessingFailed', 'The photo could not be decoded as an image.', { request, now });
  }
  await storeExchangePhoto(ctx.tenant, found.user, { bytes: request.body, contentType, ...size });
  ctx.tenant.emitPhotoChange(found.user, 'updated');
  return emptyResponse(200);
}

async function deletePhoto(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const found = await resolve(request, params[0] ?? '', ctx, deleteRoles);
  if (!found.ok) return found.response;
  const refused = refuseWrite(request, found.user, ctx);
  if (refused) return refused;
  if (!ctx.tenant.deletePhoto(found.user)) return imageNotFound(request, ctx);
  ctx.tenant.emitPhotoChange(found.user, 'deleted');
  return emptyResponse(200);
}

async function getPhotoUpdateSettings(request: EmulatorRequest, _p: string[], ctx: EmulatorContext) {
  const auth = await requireGraphApp(request, ctx, {
    anyOf: ['PeopleSettings.Read.All', 'PeopleSettings.ReadWrite.All'],
    workload: 'directory',
  });
  if (!auth.ok) return auth.response;
  return jsonResponse(200, {
    '@odata.context': `${ctx.urls.graphBaseUrl}/beta/$metadata#admin/people/photoUpdateSettings/$entity`,
    id: 'photoUpdateSettings',
    source: ctx.tenant.photoUpdateSource,
    allowedRoles: [],
  });
}
