// The control API over HTTPS on the Graph host under /_emulator/…, so a person running `npm run m365` or
// `npm start` can "change a photo in Outlook" with curl. Bound to 127.0.0.1 like every listener; no token needed.

import type { EmulatorControl } from './EmulatorControl';
import type { EmulatorContext } from './EmulatorContext';
import {
  bytesResponse,
  emptyResponse,
  isRecord,
  jsonResponse,
  readJsonBody,
  type EmulatorRequest,
  type EmulatorResponse,
} from './HttpExchange';
import type { HttpRouter } from './HttpRouter';
import { mailboxlessPhotoWrites, mediaEtagRules } from './Tenant';
import type { FaultSpec, MailboxLimitsSpec, ThrottlingSpec } from './RequestPolicy';

type Action = (request: EmulatorRequest, params: string[]) => EmulatorResponse | Promise<EmulatorResponse>;

export function addControlRoutes(router: HttpRouter<EmulatorContext>, control: EmulatorControl): void {
  const add = (method: string, path: string, name: string, action: Action) =>
    router.add(method, new RegExp(`^/_emulator/${path}$`, 'i'), `emulator.${name}`, async (request, params) => {
      try {
        return await action(request, params);
      } catch (error) {
        const code = isRecord(error) && typeof error.code === 'string' ? error.code : 'bad-request';
        return jsonResponse(400, { error: { code, message: error instanceof Error ? error.message : String(error) } });
      }
    });
  const body = (request: EmulatorRequest): Record<string, unknown> => {
    const parsed = readJsonBody(request);
    return isRecord(parsed) ? parsed : {};
  };

  add('PUT', 'users/([^/]+)/photo', 'changePhoto', async (request, [user]) =>
    jsonResponse(200, await control.changePhotoAsUser(user ?? '', request.body)),
  );
  add('DELETE', 'users/([^/]+)/photo', 'removePhoto', (_r, [user]) => {
    control.removePhotoAsUser(user ?? '');
    return emptyResponse(204);
  });
  add('GET', 'users/([^/]+)/photo', 'getPhoto', (_r, [user]) => {
    const photo = control.getPhoto(user ?? '');
    return photo
      ? bytesResponse(200, photo.contentType, photo.bytes)
      : jsonResponse(404, { error: { code: 'ImageNotFound', message: 'No photo' } });
  });
  add('GET', 'users/([^/]+)/profile', 'getProfile', (_r, [user]) => {
    const profile = control.getProfileProperties(user ?? '');
    return profile
      ? jsonResponse(200, profile)
      : jsonResponse(404, {
          error: { code: 'no-profile', message: 'SharePoint has not provisioned this profile yet' },
        });
  });
  add('POST', 'users/([^/]+)/profile', 'provisionProfile', (_r, [user]) => {
    control.provisionProfile(user ?? '');
    return emptyResponse(204);
  });
  add('POST', 'sharepoint/settings', 'sharePointSettings', (request) => {
    const b = body(request);
    if (typeof b.profileProvisioningDelayMs === 'number')
      control.setProfileProvisioningDelay(b.profileProvisioningDelayMs);
    if (b.profileProvisioningDelayMs === 'never') control.setProfileProvisioningDelay(Infinity);
    if (isRecord(b.editable)) {
      for (const [name, editable] of Object.entries(b.editable))
        control.setProfilePropertyEditable(name, editable === true);
    }
    if (typeof b.peopleManagerCapLimit === 'number') {
      const windowMs = typeof b.peopleManagerCapWindowMs === 'number' ? b.peopleManagerCapWindowMs : 300_000;
      control.setPeopleManagerCap({ limit: b.peopleManagerCapLimit, windowMs });
    }
    return emptyResponse(204);
  });
  add('POST', 'mailboxlessPhotoWrite', 'mailboxlessPhotoWrite', (request) => {
    const answer = mailboxlessPhotoWrites.find((a) => a === body(request).answer);
    if (!answer) throw new Error(`answer must be one of ${mailboxlessPhotoWrites.join(', ')}`);
    control.setMailboxlessPhotoWrite(answer);
    return emptyResponse(204);
  });
  add('POST', 'groups/([^/]+)/members/([^/]+)', 'addGroupMember', (_r, [group, member]) => {
    control.addGroupMember(group ?? '', member ?? '');
    return emptyResponse(204);
  });
  add('POST', 'notifyOnPhotoChange', 'notifyOnPhotoChange', (request) => {
    control.setNotifyOnPhotoChange(body(request).enabled === true);
    return emptyResponse(204);
  });
  add('POST', 'photoStore', 'photoStore', (request) => {
    const b = body(request);
    const mediaEtag = mediaEtagRules.find((rule) => rule === b.mediaEtag);
    if (b.mediaEtag !== undefined && !mediaEtag)
      throw new Error(`mediaEtag must be one of ${mediaEtagRules.join(', ')}`);
    control.setPhotoStoreRealism({
      ...(typeof b.photoReadLagMs === 'number' ? { photoReadLagMs: b.photoReadLagMs } : {}),
      ...(mediaEtag ? { mediaEtag } : {}),
      ...(typeof b.reencodePhotos === 'boolean' ? { reencodePhotos: b.reencodePhotos } : {}),
    });
    return emptyResponse(204);
  });
  add('POST', 'photoUpdateSettings', 'photoUpdateSettings', (request) => {
    control.setPhotoUpdateSource(body(request).source === 'onPremises' ? 'onPremises' : 'cloud');
    return emptyResponse(204);
  });
  add('POST', 'apps/([^/]+)/roles', 'roles', (request, [app]) => {
    const b = body(request);
    const resource = b.resource === 'sharepoint' ? 'sharepoint' : 'graph';
    if (Array.isArray(b.grant)) control.grantRoles(app ?? '', resource, b.grant.map(String));
    if (Array.isArray(b.revoke)) control.revokeRoles(app ?? '', resource, b.revoke.map(String));
    return emptyResponse(204);
  });
  add('POST', 'faults', 'injectFault', (request) => {
    control.injectFault(body(request) as unknown as FaultSpec);
    return emptyResponse(204);
  });
  add('DELETE', 'faults', 'clearFaults', () => {
    control.clearFaults();
    return emptyResponse(204);
  });
  add('POST', 'throttling', 'throttling', (request) => {
    control.setThrottling(body(request) as unknown as ThrottlingSpec);
    return emptyResponse(204);
  });
  add('GET', 'throttling', 'throttleWindows', (request) => {
    const service = request.url.searchParams.get('service');
    return jsonResponse(200, control.throttleWindows(service === 'graph' ? 'graph' : 'sharepoint'));
  });
  add('POST', 'mailboxLimits', 'mailboxLimits', (request) => {
    const b = body(request);
    const spec: MailboxLimitsSpec = {};
    for (const key of ['concurrency', 'limit', 'windowMs', 'holdMs'] as const) {
      const value = b[key];
      if (typeof value === 'number') spec[key] = value;
    }
    control.setMailboxLimits(spec);
    return emptyResponse(204);
  });
  add('GET', 'stats', 'stats', () => jsonResponse(200, control.stats()));
  add('GET', 'subscriptions', 'subscriptions', () => jsonResponse(200, control.listSubscriptions()));
  add('GET', 'deliveries', 'deliveries', () => jsonResponse(200, control.deliveries()));
  add('POST', 'subscriptions/([^/]+)/lifecycle', 'lifecycle', (request, [id]) => {
    const event = body(request).event;
    control.triggerLifecycleEvent(
      id ?? '',
      event === 'subscriptionRemoved' || event === 'missed' ? event : 'reauthorizationRequired',
    );
    return emptyResponse(204);
  });
  add('POST', 'subscriptions/([^/]+)/expire', 'expire', (_r, [id]) => {
    control.expireSubscription(id ?? '');
    return emptyResponse(204);
  });
  add('GET', 'sharepoint/files', 'sharePointFiles', (request) => {
    const path = request.url.searchParams.get('path');
    if (!path) return jsonResponse(200, control.listSharePointFiles());
    const file = control.getSharePointFile(path);
    return file
      ? bytesResponse(200, 'image/jpeg', file)
      : jsonResponse(404, { error: { code: 'FileNotFound', message: path } });
  });
}
