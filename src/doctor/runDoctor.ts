// The tenant readiness check behind `npm run doctor`: everything the pipeline will need from Microsoft 365, tried
// with the same configuration, MSAL client and HTTP clients the functions use, before the first photo is dropped.
// It reads; it writes only with --test-user, and then only to that person.

import { X509Certificate } from 'node:crypto';
import {
  ConfigError,
  loadM365Config,
  loadProtectedAccountsGroupId,
  loadReconcileConfig,
  loadTargets,
  type M365Config,
  type PhotoSyncConfig,
} from '../config';
import { createM365Clients, type M365Clients } from '../m365/createM365Clients';
import { isM365RequestError } from '../m365/M365RequestError';
import { checkCertificateKey, checkClockSkew } from './checkCertificateAssertion';
import { checkNotificationHandshake } from './checkNotificationHandshake';
import { checkPhotoNotifications, type NotifyCheckOptions } from './checkPhotoNotifications';
import { checkAdminHostRead, checkProfilePicturesFolders } from './checkSharePointTenant';
import { doctorReport, type CheckResult, type DoctorReport } from './DoctorCheck';
import { grantFix, requiredRoles, type RoleResource } from './requiredRoles';
import { tokenRoles } from './tokenRoles';
import { writeTestPhoto } from './writeTestPhoto';

export interface DoctorOptions {
  /** UPN or object id of a person whose photo may be overwritten with a generated test image. */
  testUser?: string;
  /** With testUser: find out whether the tenant notifies photo changes (checkPhotoNotifications). */
  notifyCheck?: Pick<NotifyCheckOptions, 'waitMs' | 'receiverPort' | 'receiverUrl' | 'pollIntervalMs'>;
  now?: () => Date;
}

const CERTIFICATE_WARNING_DAYS = 30;

function describe(error: unknown): string {
  if (isM365RequestError(error)) return `${error.service} ${error.status} ${error.code}: ${error.message}`;
  return (error as Error).message;
}

function checkCredential(m365: M365Config, targets: PhotoSyncConfig['targets'], now: Date): CheckResult {
  const title = 'App credential';
  if (m365.credential.kind === 'secret') {
    return {
      id: 'credential',
      title,
      status: targets.sharePoint ? 'fail' : 'warn',
      detail: 'a client secret: Graph accepts it, SharePoint app-only answers "401 Unsupported app only token".',
      fix: 'Upload a certificate to the app registration and set M365_CLIENT_CERTIFICATE (docs/deploy.md, step 1).',
    };
  }
  const certificate = new X509Certificate(m365.credential.certificatePem);
  const validTo = new Date(certificate.validTo);
  const days = Math.floor((validTo.getTime() - now.getTime()) / 86_400_000);
  const thumbprint = certificate.fingerprint.replace(/:/g, '');
  const detail = `certificate ${thumbprint} (the thumbprint Entra shows), valid until ${validTo.toISOString()}`;
  if (days < 0 || new Date(certificate.validFrom) > now) {
    return {
      id: 'credential',
      title,
      status: 'fail',
      detail: `${detail}: not valid now`,
      fix: 'Rotate the certificate (docs/operations.md).',
    };
  }
  if (days < CERTIFICATE_WARNING_DAYS) {
    return {
      id: 'credential',
      title,
      status: 'warn',
      detail: `${detail}: ${days} days left`,
      fix: 'Rotate the certificate soon (docs/operations.md).',
    };
  }
  return { id: 'credential', title, status: 'pass', detail };
}

async function checkResource(
  resource: RoleResource,
  origin: string,
  clients: M365Clients,
  m365: M365Config,
  targets: PhotoSyncConfig['targets'] & { protectedAccounts: boolean },
): Promise<CheckResult[]> {
  const name = resource === 'graph' ? 'Graph' : 'SharePoint';
  let roles: string[];
  try {
    roles = tokenRoles(await clients.auth.getToken(origin));
  } catch (error) {
    return [
      {
        id: `${resource}-token`,
        title: `${name} token (${origin})`,
        status: 'fail',
        detail: describe(error),
        fix:
          'Check M365_TENANT_ID and M365_CLIENT_ID, and that this certificate is uploaded to the app registration ' +
          '(Certificates & secrets).',
      },
    ];
  }
  const results: CheckResult[] = [
    {
      id: `${resource}-token`,
      title: `${name} token (${origin})`,
      status: 'pass',
      detail: `roles: ${roles.join(', ') || 'none'}`,
    },
  ];
  for (const requirement of requiredRoles(targets).filter((r) => r.resource === resource)) {
    const held = requirement.anyOf.find((role) => roles.includes(role));
    results.push({
      id: `${resource}-roles`,
      title: `${name} permission to ${requirement.why}`,
      status: held ? 'pass' : 'fail',
      detail: held ? held : `missing; any of ${requirement.anyOf.join(' or ')}`,
      ...(held ? {} : { fix: grantFix(resource, [requirement.anyOf[0] as string], m365.clientId) }),
    });
  }
  return results;
}

async function checkPhotoPolicy(clients: M365Clients, targets: PhotoSyncConfig['targets']): Promise<CheckResult> {
  const title = 'Tenant photo update policy';
  try {
    const { source } = await clients.graph.getPhotoUpdateSettings();
    if (source === 'onPremises' && targets.exchange) {
      return {
        id: 'photo-policy',
        title,
        status: 'fail',
        detail: 'photoUpdateSettings.source is onPremises: Exchange Online refuses photo writes from the cloud.',
        fix: 'Set the policy source to cloud (Graph beta PATCH /admin/people/photoUpdateSettings), or SYNC_TARGETS=sharepoint.',
      };
    }
    return { id: 'photo-policy', title, status: 'pass', detail: `source: ${source ?? 'cloud (default)'}` };
  } catch (error) {
    const forbidden = isM365RequestError(error) && (error.status === 403 || error.status === 401);
    return {
      id: 'photo-policy',
      title,
      status: 'warn',
      detail: `could not read it: ${describe(error)}`,
      fix: forbidden
        ? 'Optional: grant Microsoft Graph PeopleSettings.Read.All so doctor can read the policy.'
        : 'Try again; if it persists, check GRAPH_BASE_URL.',
    };
  }
}

export async function runDoctor(
  env: Record<string, string | undefined>,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const now = options.now?.() ?? new Date();
  let m365: M365Config;
  let targets: PhotoSyncConfig['targets'];
  let protectedAccounts: boolean;
  try {
    m365 = loadM365Config(env);
    targets = loadTargets(env);
    protectedAccounts = loadProtectedAccountsGroupId(env) !== undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return doctorReport([
      {
        id: 'configuration',
        title: 'Configuration',
        status: 'fail',
        detail: error.message,
        fix: `Set ${error.setting} in local.settings.json (Values), the environment or --settings (docs/configuration.md).`,
      },
    ]);
  }
  const enabled = [targets.exchange && 'exchange', targets.sharePoint && 'sharepoint'].filter(Boolean).join(', ');
  const checks: CheckResult[] = [
    {
      id: 'configuration',
      title: 'Configuration',
      status: 'pass',
      detail: `tenant ${m365.tenantId}, app ${m365.clientId}, targets: ${enabled}`,
    },
    checkCredential(m365, targets, now),
  ];
  if (m365.credential.kind === 'certificate') {
    checks.push(checkCertificateKey(m365.credential.certificatePem, m365.credential.privateKeyPem));
    checks.push(await checkClockSkew(m365, now));
  }
  const clients = createM365Clients(m365);
  const graph = await checkResource('graph', m365.graphBaseUrl, clients, m365, {
    ...targets,
    protectedAccounts,
  });
  checks.push(...graph);
  const graphUsable = graph[0]?.status === 'pass';
  if (graphUsable) checks.push(await checkPhotoPolicy(clients, targets));

  let sharePointUsable = false;
  if (targets.sharePoint && m365.credential.kind === 'certificate') {
    const sharePoint = await checkResource('sharepoint', m365.mySiteUrl, clients, m365, {
      ...targets,
      protectedAccounts,
    });
    checks.push(...sharePoint);
    sharePointUsable = sharePoint[0]?.status === 'pass';
    if (sharePointUsable) {
      checks.push(await checkAdminHostRead(clients, m365, options.testUser));
      checks.push(await checkProfilePicturesFolders(clients, m365));
    }
  }

  if (options.testUser) {
    if (graphUsable) {
      checks.push(
        ...(await writeTestPhoto(clients, options.testUser, { targets, sharePointUsable, clientId: m365.clientId })),
      );
    } else {
      checks.push({
        id: 'test-user',
        title: `Test write to ${options.testUser}`,
        status: 'skip',
        detail: 'no Graph token',
      });
    }
  }
  checks.push(...(await checkNotificationHandshake(env.NOTIFICATION_URL?.trim() || undefined)));
  if (options.notifyCheck) {
    if (options.testUser && graphUsable) {
      // A bad reconcile setting is the app's to report at start; the check then uses the defaults.
      const reconcile = (() => {
        try {
          return loadReconcileConfig(env);
        } catch {
          return loadReconcileConfig({});
        }
      })();
      checks.push(
        ...(await checkPhotoNotifications(clients, {
          ...options.notifyCheck,
          testUser: options.testUser,
          photoReadLagMs: reconcile.photoReadLagMs,
          graphRequestsPerMinute: reconcile.graphRequestsPerMinute,
        })),
      );
    } else {
      checks.push({
        id: 'photo-notifications',
        title: 'Tenant notifies photo changes',
        status: 'skip',
        detail: options.testUser ? 'no Graph token' : '--notify-check needs --test-user (its photo is changed)',
      });
    }
  }
  return doctorReport(checks);
}
