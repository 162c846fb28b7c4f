// Graph v1.0 subscriptions: create (after validating notificationUrl and lifecycleNotificationUrl), list, get,
// renew (PATCH expirationDateTime), delete, reauthorize. Users subscriptions live at most 41,760 minutes.
// https://learn.microsoft.com/graph/api/subscription-post-subscriptions,
// https://learn.microsoft.com/graph/api/resources/subscription (maximum length of subscription per resource type)

import type { EmulatorContext } from './EmulatorContext';
import { graphError } from './graphError';
import {
  emptyResponse,
  isRecord,
  jsonResponse,
  readJsonBody,
  type EmulatorRequest,
  type EmulatorResponse,
} from './HttpExchange';
import type { HttpRouter } from './HttpRouter';
import { requireGraphApp } from './requireGraphApp';
import type { Subscription } from './SubscriptionStore';
import { userReadRoles } from './graphUsersRoutes';

export const maxUserSubscriptionMinutes = 41_760;

export function addGraphSubscriptionsRoutes(
  router: HttpRouter<EmulatorContext>,
  options: { allowHttpNotificationUrl: boolean },
): void {
  router
    .add('POST', /^\/v1\.0\/subscriptions\/?$/i, 'subscriptions.create', (r, _p, ctx) => create(r, ctx, options))
    .add('GET', /^\/v1\.0\/subscriptions\/?$/i, 'subscriptions.list', list)
    .add('GET', /^\/v1\.0\/subscriptions\/([^/]+)$/i, 'subscriptions.get', getOne)
    .add('PATCH', /^\/v1\.0\/subscriptions\/([^/]+)$/i, 'subscriptions.renew', renew)
    .add('DELETE', /^\/v1\.0\/subscriptions\/([^/]+)$/i, 'subscriptions.delete', remove)
    .add('POST', /^\/v1\.0\/subscriptions\/([^/]+)\/reauthorize$/i, 'subscriptions.reauthorize', reauthorize);
}

function subscriptionJson(s: Subscription, ctx: EmulatorContext): Record<string, unknown> {
  return {
    '@odata.context': `${ctx.urls.graphBaseUrl}/v1.0/$metadata#subscriptions/$entity`,
    id: s.id,
    resource: s.resource,
    applicationId: s.applicationId,
    changeType: s.changeType,
    clientState: s.clientState,
    notificationUrl: s.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: s.expirationDateTime.toISOString(),
    creatorId: s.creatorId,
    includeResourceData: null,
    latestSupportedTlsVersion: s.latestSupportedTlsVersion,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

function checkExpiration(value: unknown, request: EmulatorRequest, ctx: EmulatorContext): Date | EmulatorResponse {
  const now = ctx.now();
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    return graphError(400, 'InvalidRequest', "Invalid value for 'expirationDateTime'.", { request, now });
  }
  if (date.getTime() <= now.getTime()) {
    return graphError(400, 'InvalidRequest', 'Subscription expiration must be in the future.', { request, now });
  }
  if (date.getTime() > now.getTime() + maxUserSubscriptionMinutes * 60_000) {
    return graphError(
      400,
      'InvalidRequest',
      `Subscription expiration can only be ${maxUserSubscriptionMinutes} minutes in the future.`,
      { request, now },
    );
  }
  return date;
}

async function create(request: EmulatorRequest, ctx: EmulatorContext, options: { allowHttpNotificationUrl: boolean }) {
  const auth = await requireGraphApp(request, ctx, { anyOf: userReadRoles, workload: 'directory' });
  if (!auth.ok) return auth.response;
  const now = ctx.now();
  const bad = (message: string) => graphError(400, 'InvalidRequest', message, { request, now });
  let body: unknown;
  try {
    body = readJsonBody(request);
  } catch {
    return graphError(400, 'BadRequest', 'Unable to read JSON request payload.', { request, now });
  }
  if (!isRecord(body)) return bad('The request body is missing.');
  const { changeType, notificationUrl, resource, clientState, lifecycleNotificationUrl } = body;
  if (typeof resource !== 'string' || !/^\/?users(\/[^/]+)?$/i.test(resource)) {
    return bad(`Resource '${String(resource)}' is not supported by the emulator; it supports '/users'.`);
  }
  if (
    typeof changeType !== 'string' ||
    !changeType.split(',').every((c) => ['created', 'updated', 'deleted'].includes(c))
  ) {
    return bad("Invalid 'changeType' attribute.");
  }
  if (
    clientState !== undefined &&
    clientState !== null &&
    (typeof clientState !== 'string' || clientState.length > 128)
  ) {
    return bad("'clientState' must be a string of at most 128 characters.");
  }
  const urls = [notificationUrl, ...(lifecycleNotificationUrl ? [lifecycleNotificationUrl] : [])];
  for (const url of urls) {
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url))
      return bad("Invalid 'notificationUrl' or 'lifecycleNotificationUrl'.");
    if (!options.allowHttpNotificationUrl && !url.toLowerCase().startsWith('https://')) {
      return bad('The Notification Url must be an HTTPS URL.');
    }
  }
  const expiration = checkExpiration(body.expirationDateTime, request, ctx);
  if (!(expiration instanceof Date)) return expiration;
  for (const url of urls) {
    const outcome = await ctx.subscriptions.validateEndpoint(String(url));
    if (!outcome.ok) return bad(outcome.message);
  }
  const subscription = ctx.subscriptions.add({
    resource,
    changeType,
    clientState: typeof clientState === 'string' ? clientState : null,
    notificationUrl: String(notificationUrl),
    lifecycleNotificationUrl: typeof lifecycleNotificationUrl === 'string' ? lifecycleNotificationUrl : null,
    expirationDateTime: expiration,
    applicationId: auth.claims.appid,
    creatorId: auth.claims.oid,
    latestSupportedTlsVersion:
      typeof body.latestSupportedTlsVersion === 'string' ? body.latestSupportedTlsVersion : 'v1_2',
  });
  return jsonResponse(201, subscriptionJson(subscription, ctx));
}

async function owned(request: EmulatorRequest, id: string, ctx: EmulatorContext) {
  const auth = await requireGraphApp(request, ctx, { anyOf: userReadRoles, workload: 'directory' });
  if (!auth.ok) return { response: auth.response };
  const s = ctx.subscriptions.get(id);
  if (!s || s.applicationId !== auth.claims.appid) {
    return { response: graphError(404, 'ResourceNotFound', 'The object was not found.', { request, now: ctx.now() }) };
  }
  return { subscription: s };
}

async function list(request: EmulatorRequest, _p: string[], ctx: EmulatorContext) {
  const auth = await requireGraphApp(request, ctx, { anyOf: userReadRoles, workload: 'directory' });
  if (!auth.ok) return auth.response;
  const mine = ctx.subscriptions.list().filter((s) => s.applicationId === auth.claims.appid);
  return jsonResponse(200, {
    '@odata.context': `${ctx.urls.graphBaseUrl}/v1.0/$metadata#subscriptions`,
    value: mine.map((s) => {
      const { ['@odata.context']: _ignored, ...rest } = subscriptionJson(s, ctx);
      return rest;
    }),
  });
}

async function getOne(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const found = await owned(request, params[0] ?? '', ctx);
  return found.subscription ? jsonResponse(200, subscriptionJson(found.subscription, ctx)) : found.response;
}

async function renew(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const found = await owned(request, params[0] ?? '', ctx);
  if (!found.subscription) return found.response;
  let body: unknown;
  try {
    body = readJsonBody(request);
  } catch {
    return graphError(400, 'BadRequest', 'Unable to read JSON request payload.', { request, now: ctx.now() });
  }
  const expiration = checkExpiration(isRecord(body) ? body.expirationDateTime : undefined, request, ctx);
  if (!(expiration instanceof Date)) return expiration;
  found.subscription.expirationDateTime = expiration;
  return jsonResponse(200, subscriptionJson(found.subscription, ctx));
}

async function remove(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const found = await owned(request, params[0] ?? '', ctx);
  if (!found.subscription) return found.response;
  ctx.subscriptions.remove(found.subscription.id);
  return emptyResponse(204);
}

async function reauthorize(request: EmulatorRequest, params: string[], ctx: EmulatorContext) {
  const found = await owned(request, params[0] ?? '', ctx);
  return found.subscription ? emptyResponse(204) : found.response;
}
