// `npm run m365`: the Microsoft 365 emulator on its own, on the default ports, printing what a person or a script
// needs to talk to it. Runs under dev/withDevCa.ts, so Node clients started from the same shell trust it.

import { Command, InvalidArgumentError } from 'commander';
import { ensureDevCertificateAuthority } from '../devCertificates';
import { mailboxlessPhotoWrites, startM365Emulator } from './index';

const integer = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  return parsed;
};

async function main(): Promise<void> {
  const program = new Command('m365')
    .description('Run the Microsoft 365 emulator (Entra token endpoint, Graph, SharePoint My Site and admin hosts)')
    .option('--login-port <port>', 'token endpoint port', integer, 8443)
    .option('--graph-port <port>', 'Microsoft Graph port', integer, 8444)
    .option('--my-site-port <port>', 'SharePoint My Site host port', integer, 8445)
    .option('--admin-port <port>', 'SharePoint admin host port', integer, 8446)
    .option('--notify', 'raise /users change notifications when photos change (most tenants do not: the default)')
    .option(
      '--read-lag <ms>',
      'Graph reads return the previous photo for this long after a write (default 60000)',
      integer,
    )
    .option('--etag-with-content', '@odata.mediaEtag follows the content (default: a new one on every write)')
    .option('--no-reencode', 'store photos byte for byte (default: re-encoded as Exchange does)')
    .option('--graph-rate <requests>', 'throttle Graph above this many requests per second per app', integer)
    .option(
      '--sharepoint-rate <units>',
      'SharePoint budget in resource units per minute per app (default 1200, the smallest tenants)',
      integer,
    )
    .option('--profile-pictures-folder <name>', 'localised name of the Profile Pictures folder', 'Profile Pictures')
    .option('--older-profile-pictures-folder <name>', 'a second, older Profile Pictures folder (locale changed)')
    .option('--library-title <title>', 'localised title of the User Photos library (its URL stays /User Photos)')
    .option('--profile-delay <ms>', 'SharePoint provisions profiles of users added later after this long', integer)
    .option(
      '--mailboxless <answer>',
      `Graph's answer to photo writes for users without a mailbox: ${mailboxlessPhotoWrites.join(', ')}`,
    )
    .parse();
  const o = program.opts<{
    loginPort: number;
    graphPort: number;
    mySitePort: number;
    adminPort: number;
    notify?: boolean;
    readLag?: number;
    etagWithContent?: boolean;
    reencode: boolean;
    graphRate?: number;
    sharepointRate?: number;
    profilePicturesFolder: string;
    olderProfilePicturesFolder?: string;
    libraryTitle?: string;
    profileDelay?: number;
    mailboxless?: string;
  }>();
  const mailboxless = mailboxlessPhotoWrites.find((answer) => answer === o.mailboxless);
  if (o.mailboxless !== undefined && !mailboxless) throw new InvalidArgumentError(`--mailboxless ${o.mailboxless}?`);

  const ca = ensureDevCertificateAuthority();
  const emulator = await startM365Emulator({
    ports: { login: o.loginPort, graph: o.graphPort, mySite: o.mySitePort, admin: o.adminPort },
    certificateAuthority: ca,
    notifyOnPhotoChange: o.notify === true,
    ...(o.readLag !== undefined ? { photoReadLagMs: o.readLag } : {}),
    mediaEtag: o.etagWithContent ? 'withContent' : 'everyWrite',
    reencodePhotos: o.reencode,
    profilePicturesFolderName: o.profilePicturesFolder,
    ...(o.olderProfilePicturesFolder ? { olderProfilePicturesFolderNames: [o.olderProfilePicturesFolder] } : {}),
    ...(o.libraryTitle ? { userPhotosLibraryTitle: o.libraryTitle } : {}),
    ...(o.profileDelay !== undefined ? { profileProvisioningDelayMs: o.profileDelay } : {}),
    ...(mailboxless ? { mailboxlessPhotoWrite: mailboxless } : {}),
    throttling: [
      ...(o.graphRate ? [{ service: 'graph' as const, limit: o.graphRate, windowMs: 1000 }] : []),
      ...(o.sharepointRate ? [{ service: 'sharepoint' as const, limit: o.sharepointRate, windowMs: 60_000 }] : []),
    ],
  });
  const { urls, apps, tenantId } = emulator;
  const adele = emulator.users[0]?.userPrincipalName ?? 'adele.vance@contoso.com';
  const lines = [
    'Microsoft 365 emulator running (HTTPS, 127.0.0.1 only)',
    `  token endpoint   ${urls.authorityHost}/${tenantId}/oauth2/v2.0/token`,
    `  Graph            ${urls.graphBaseUrl}/v1.0`,
    `  My Site host     ${urls.mySiteUrl}   (Profile Pictures folder: ${emulator.profilePicturesFolderUrl})`,
    `  admin site       ${urls.adminSiteUrl}`,
    `  tenant           ${tenantId} (${emulator.tenantDomain}, users @contoso.com)`,
    `  app photoSync    client id ${apps.photoSync.clientId}`,
    `                   client secret ${apps.photoSync.clientSecret}  (Graph only; SharePoint needs the certificate)`,
    `                   certificate thumbprint (SHA-256) ${apps.photoSync.thumbprintSha256}`,
    `  CA certificate   ${ca.certPath}  (Node: NODE_EXTRA_CA_CERTS; curl: --cacert)`,
    '',
    'Demo users:',
    ...emulator.users.map(
      (u) => `  ${u.employeeId ?? '     '}  ${u.userPrincipalName.padEnd(28)} ${u.id}  mailbox: ${u.mailbox}`,
    ),
    '',
    'Try it:',
    `  TOKEN=$(curl -s --cacert ${ca.certPath} ${urls.authorityHost}/${tenantId}/oauth2/v2.0/token \\`,
    `    -d grant_type=client_credentials -d client_id=${apps.photoSync.clientId} \\`,
    `    --data-urlencode 'client_secret=${apps.photoSync.clientSecret}' --data-urlencode 'scope=${urls.graphBaseUrl}/.default' \\`,
    `    | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    `  curl --cacert ${ca.certPath} -H "Authorization: Bearer $TOKEN" '${urls.graphBaseUrl}/v1.0/users/${adele}/photo'`,
    `  curl --cacert ${ca.certPath} -H "Authorization: Bearer $TOKEN" '${urls.graphBaseUrl}/v1.0/users/${adele}/photo/$value' -o photo.jpg`,
    '  # change a photo as the user would in Outlook/Teams (raises a change notification):',
    `  curl --cacert ${ca.certPath} -X PUT --data-binary @me.jpg '${urls.graphBaseUrl}/_emulator/users/${adele}/photo'`,
    '',
    'Press Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (process.env.NODE_EXTRA_CA_CERTS === undefined) {
    process.stdout.write(
      'Note: NODE_EXTRA_CA_CERTS is not set in this shell; Node clients need it (npm run m365 sets it for this process).\n',
    );
  }
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`m365 emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
