// The Microsoft 365 emulator: four HTTPS hosts on 127.0.0.1 (login, Graph, My Site, admin site) speaking the same
// protocols as Microsoft Entra ID, Microsoft Graph and SharePoint Online, for tests and offline development.
// See docs/m365-emulator.md.

import { existsSync, readFileSync } from 'node:fs';
import {
  createSelfSignedCertificates,
  ensureDevCertificateAuthority,
  ensureServerCertificate,
} from '../devCertificates';
import { createAppRegistration } from './AppRegistration';
import { createHostHandlers, type HostHandler } from './createHostHandlers';
import { demoUsers, seedDemoTenant } from './demoSeed';
import { EmulatorControl } from './EmulatorControl';
import type { EmulatorContext, EmulatorUrls } from './EmulatorContext';
import type { EmulatorRequest } from './HttpExchange';
import {
  RequestPolicy,
  sharePointAppBudget,
  type MailboxLimitsSpec,
  type PeopleManagerCapSpec,
  type ServiceName,
  type ThrottlingSpec,
} from './RequestPolicy';
import { SharePointStore } from './SharePointStore';
import { startHttpsListener, type HttpsListener } from './startHttpsListener';
import { SubscriptionStore, type SubscriptionStoreOptions } from './SubscriptionStore';
import { Tenant, type MailboxlessPhotoWrite, type MediaEtagRule, type TenantUser } from './Tenant';

/**
 * Microsoft documents no read-after-write guarantee for photos and says changes "can take hours" to show everywhere;
 * a minute of stale Graph reads is our reading for Graph itself (tests also run 0 and ten minutes). Documented in
 * docs/m365-emulator.md.
 */
export const DEFAULT_PHOTO_READ_LAG_MS = 60_000;
import { TokenIssuer } from './TokenIssuer';

export { EmulatorControl, EmulatorError } from './EmulatorControl';
export type {
  FaultSpec,
  ThrottlingSpec,
  EmulatorStats,
  MailboxLimitsSpec,
  PeopleManagerCapSpec,
  SharePointCallKind,
} from './RequestPolicy';
export {
  outlookMailboxLimits,
  peopleManagerTenantCap,
  sharePointCallCosts,
  sharePointAppBudget,
} from './RequestPolicy';
export type { TenantUser, StoredPhoto, MailboxKind, MailboxlessPhotoWrite, MediaEtagRule } from './Tenant';
export { mailboxlessPhotoWrites, mediaEtagRules } from './Tenant';
export type { DeliveryRecord, Subscription } from './SubscriptionStore';

export const demoTenantId = '2b6f9e3c-4d1a-4c8e-9f7b-5a0d3e1c8b42';
export const demoPhotoSyncClientId = '7d3c1a9e-5b2f-4e8d-a6c4-1f0e9b8d7c65';
export const demoNoRolesClientId = 'c41e8b2d-9a7f-4d3c-8e5b-6a2f1d0c9e87';

export interface M365EmulatorOptions {
  ports?: { login?: number; graph?: number; mySite?: number; admin?: number };
  certificateAuthority?: { certPem: string; keyPem: string };
  seed?: 'demo' | 'none';
  now?: () => Date;
  /** Raise `/users` change notifications for photo changes (default false, as Microsoft's Q&A answer says). */
  notifyOnPhotoChange?: boolean;
  /** Graph reads return the previous photo for this long after a photo write (default 60 s; 0: none). */
  photoReadLagMs?: number;
  /** `everyWrite` (default): a new `@odata.mediaEtag` per write; `withContent`: a hash of the stored photo. */
  mediaEtag?: MediaEtagRule;
  /** Re-encode stored photos as Exchange does (default true), so bytes read back differ from bytes written. */
  reencodePhotos?: boolean;
  /** The localised name of the My Site host's Profile Pictures folder (default `Profile Pictures`). */
  profilePicturesFolderName?: string;
  /**
   * Older Profile Pictures folders a host whose locale changed still holds besides `profilePicturesFolderName`
   * (which stays the current one), e.g. `['Profile Pictures']` next to `Profilbilder`.
   */
  olderProfilePicturesFolderNames?: string[];
  /** The `User Photos` library's display title; its URL stays `/User Photos` (default `User Photos`). */
  userPhotosLibraryTitle?: string;
  /**
   * How long after a user is added (Graph `POST /users` or `control.addUser`) SharePoint provisions their profile,
   * on the emulator's clock; `Infinity` (the default): not until `control.provisionProfile`. Demo users have one.
   */
  profileProvisioningDelayMs?: number;
  /** What Graph answers a photo write for a person without an Exchange Online mailbox (default `bareNotFound`). */
  mailboxlessPhotoWrite?: MailboxlessPhotoWrite;
  /**
   * Per-app throttling from the start (also adjustable with `control.setThrottling`). SharePoint defaults to its
   * documented budget for the smallest tenants (`sharePointAppBudget`: 1,200 resource units per minute).
   */
  throttling?: ThrottlingSpec[];
  /** The tenant-wide PeopleManager cap (default `peopleManagerTenantCap`: 3,000 per 5 minutes). */
  peopleManagerCap?: PeopleManagerCapSpec;
  /** Outlook's per-app, per-mailbox limits on photo calls (default: 4 concurrent, 10,000 per 10 minutes). */
  mailboxLimits?: MailboxLimitsSpec;
  /** Graph requires https notification URLs; the local Functions host only speaks http, so this defaults to true. */
  allowHttpNotificationUrl?: boolean;
  subscriptions?: SubscriptionStoreOptions;
}

export interface EmulatorApp {
  clientId: string;
  clientSecret: string;
  certificatePem: string;
  privateKeyPem: string;
  /** Hex SHA-256 / SHA-1 of the certificate, as MSAL's `clientCertificate.thumbprintSha256` / `thumbprint` want. */
  thumbprintSha256: string;
  thumbprintSha1: string;
}

export interface DemoUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  employeeId: string | null;
  mailbox: TenantUser['mailbox'];
}

export interface M365Emulator {
  tenantId: string;
  tenantDomain: string;
  urls: EmulatorUrls;
  apps: { photoSync: EmulatorApp; noRoles: EmulatorApp };
  users: DemoUser[];
  /** Server-relative URL of the (localised) Profile Pictures folder. */
  profilePicturesFolderUrl: string;
  control: EmulatorControl;
  close(): Promise<void>;
}

export async function startM365Emulator(options: M365EmulatorOptions = {}): Promise<M365Emulator> {
  const ca = options.certificateAuthority ?? ensureDevCertificateAuthority();
  warnWhenUntrusted(ca.certPem);
  const serverCertificate = ensureServerCertificate(ca, { hostnames: ['localhost', '127.0.0.1'] });
  let offsetMs = 0;
  const now = options.now ?? (() => new Date(Date.now() + offsetMs));
  const tenant = new Tenant(demoTenantId, 'contoso.onmicrosoft.com', 'contoso.com', now, {
    notifyOnPhotoChange: options.notifyOnPhotoChange ?? false,
    photoReadLagMs: options.photoReadLagMs ?? DEFAULT_PHOTO_READ_LAG_MS,
    mediaEtag: options.mediaEtag ?? 'everyWrite',
    reencodePhotos: options.reencodePhotos ?? true,
    mailboxlessPhotoWrite: options.mailboxlessPhotoWrite ?? 'bareNotFound',
  });
  const sharePoint = new SharePointStore(
    {
      profilePicturesFolderNames: [
        ...(options.olderProfilePicturesFolderNames ?? []),
        options.profilePicturesFolderName ?? 'Profile Pictures',
      ],
      libraryTitle: options.userPhotosLibraryTitle ?? 'User Photos',
    },
    now,
  );
  const [photoSyncCertificate, noRolesCertificate] = createSelfSignedCertificates([
    { commonName: 'Photo Sync (emulated)' },
    { commonName: 'No permissions (emulated)' },
  ]);
  tenant.apps.set(
    'photoSync',
    createAppRegistration({
      name: 'photoSync',
      clientId: demoPhotoSyncClientId,
      displayName: 'Photo Sync (emulated)',
      ...(photoSyncCertificate ? { certificate: photoSyncCertificate } : {}),
      roles: {
        // User.ReadWrite.All: deleting a photo (HR's removal) accepts no lesser application permission.
        // GroupMember.Read.All: checkMemberGroups, for PROTECTED_ACCOUNTS_GROUP_ID.
        graph: [
          'User.Read.All',
          'ProfilePhoto.ReadWrite.All',
          'User.ReadWrite.All',
          'PeopleSettings.Read.All',
          'GroupMember.Read.All',
        ],
        sharepoint: ['Sites.FullControl.All', 'User.ReadWrite.All'],
      },
    }),
  );
  tenant.apps.set(
    'noRoles',
    createAppRegistration({
      name: 'noRoles',
      clientId: demoNoRolesClientId,
      displayName: 'No permissions (emulated)',
      ...(noRolesCertificate ? { certificate: noRolesCertificate } : {}),
    }),
  );
  if ((options.seed ?? 'demo') === 'demo') await seedDemoTenant(tenant);
  // Everyone already in the directory has a profile; people added later wait for SharePoint to provision one.
  for (const user of tenant.users.values()) sharePoint.provisionProfile(user.userPrincipalName);
  const profileDelay = { ms: options.profileProvisioningDelayMs ?? Infinity };
  tenant.onUserAdded((user) => sharePoint.scheduleProfile(user.userPrincipalName, profileDelay.ms));

  const listeners: HttpsListener[] = [];
  const start = async (port: number | undefined, handle: HostHandler) => {
    const listener = await startHttpsListener({
      port: port ?? 0,
      certPem: serverCertificate.certPem,
      keyPem: serverCertificate.keyPem,
      handle,
    });
    listeners.push(listener);
    return listener;
  };
  // Routes need the URLs (audiences, links) and the URLs need the listeners: listeners delegate to a late-bound handler.
  const handlers: Partial<Record<ServiceName, HostHandler>> = {};
  const late = (name: keyof typeof handlers) => (r: EmulatorRequest) => {
    const handler = handlers[name];
    if (!handler) throw new Error('emulator not ready');
    return handler(r);
  };
  try {
    const login = await start(options.ports?.login, late('login'));
    const graph = await start(options.ports?.graph, late('graph'));
    const mySite = await start(options.ports?.mySite, late('mySite'));
    const admin = await start(options.ports?.admin, late('admin'));
    const urls: EmulatorUrls = {
      authorityHost: login.origin,
      graphBaseUrl: graph.origin,
      mySiteUrl: mySite.origin,
      adminSiteUrl: admin.origin,
    };

    const policy = new RequestPolicy();
    policy.setThrottling(sharePointAppBudget);
    for (const spec of options.throttling ?? []) policy.setThrottling(spec);
    if (options.mailboxLimits) policy.setMailboxLimits(options.mailboxLimits);
    if (options.peopleManagerCap) policy.setPeopleManagerCap(options.peopleManagerCap);
    const subscriptions = new SubscriptionStore(tenant, options.subscriptions ?? {});
    const ctx: EmulatorContext = {
      tenant,
      urls,
      sharePoint,
      subscriptions,
      policy,
      now,
      tokens: await TokenIssuer.create(`${urls.authorityHost}/${tenant.tenantId}/v2.0`),
    };
    const control = new EmulatorControl(ctx, options.now ? undefined : { advance: (ms) => (offsetMs += ms) }, {
      setProfileProvisioningDelay: (ms) => (profileDelay.ms = ms),
    });

    Object.assign(
      handlers,
      createHostHandlers(ctx, control, { allowHttpNotificationUrl: options.allowHttpNotificationUrl ?? true }),
    );

    const appInfo = (name: string): EmulatorApp => {
      const app = tenant.apps.get(name);
      const cert = app?.certificates[0];
      if (!app || !cert) throw new Error(`app ${name} missing`);
      return {
        clientId: app.clientId,
        clientSecret: app.secrets[0] ?? '',
        certificatePem: cert.certificatePem,
        privateKeyPem: cert.privateKeyPem,
        thumbprintSha256: cert.thumbprintSha256,
        thumbprintSha1: cert.thumbprintSha1,
      };
    };
    return {
      tenantId: tenant.tenantId,
      tenantDomain: tenant.tenantDomain,
      urls,
      apps: { photoSync: appInfo('photoSync'), noRoles: appInfo('noRoles') },
      users: [...tenant.users.values()].map((u) => ({
        id: u.id,
        displayName: u.displayName,
        userPrincipalName: u.userPrincipalName,
        mail: u.mail,
        employeeId: u.employeeId,
        mailbox: u.mailbox,
      })),
      profilePicturesFolderUrl: sharePoint.profilePicturesFolderUrl,
      control,
      close: async () => {
        subscriptions.close();
        await Promise.all(listeners.map((l) => l.close()));
      },
    };
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    throw error;
  }
}

/** Node clients in this process (MSAL, fetch) trust the emulator only if NODE_EXTRA_CA_CERTS held its CA at start. */
function warnWhenUntrusted(caPem: string): void {
  const path = process.env.NODE_EXTRA_CA_CERTS;
  const trusted = path !== undefined && existsSync(path) && readFileSync(path, 'utf8').includes(caPem.trim());
  if (!trusted) {
    process.emitWarning(
      'NODE_EXTRA_CA_CERTS does not include the dev CA: HTTPS calls from this process to the emulator will fail. ' +
        'Start Node through `node dist/dev/withDevCa.js <command>`.',
      { code: 'M365_EMULATOR_UNTRUSTED' },
    );
  }
}

export { demoUsers };
