// An Entra app registration as the token endpoint sees it: client id, secrets, certificates (public part only is
// needed to verify assertions; the private key is kept so tests and `npm run m365` can hand it to MSAL) and the
// application permissions an admin consented to, per resource (Graph and SharePoint are separate resources).

import { createHash, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';

export type ResourceName = 'graph' | 'sharepoint';

export interface RegisteredCertificate {
  certificatePem: string;
  privateKeyPem: string;
  publicKey: KeyObject;
  /** base64url SHA-1 of the DER certificate, the `x5t` header MSAL sends without `thumbprintSha256`. */
  x5t: string;
  /** base64url SHA-256 of the DER certificate, the `x5t#S256` header. */
  x5tS256: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
}

export interface AppRegistration {
  name: string;
  clientId: string;
  displayName: string;
  secrets: string[];
  certificates: RegisteredCertificate[];
  roles: Record<ResourceName, Set<string>>;
}

export function registerCertificate(certificatePem: string, privateKeyPem: string): RegisteredCertificate {
  const certificate = new X509Certificate(certificatePem);
  const sha1 = createHash('sha1').update(certificate.raw).digest();
  const sha256 = createHash('sha256').update(certificate.raw).digest();
  return {
    certificatePem,
    privateKeyPem,
    publicKey: certificate.publicKey,
    x5t: sha1.toString('base64url'),
    x5tS256: sha256.toString('base64url'),
    thumbprintSha1: sha1.toString('hex').toUpperCase(),
    thumbprintSha256: sha256.toString('hex').toUpperCase(),
  };
}

/** Secrets look like Entra's (40 characters with a `~`), so nothing relies on a shape real tenants never produce. */
export function generateClientSecret(): string {
  const raw = randomBytes(30).toString('base64url').replace(/[-_]/g, 'Q');
  return `${raw.slice(0, 3)}8Q~${raw.slice(3, 40)}`;
}

export function createAppRegistration(options: {
  name: string;
  clientId: string;
  displayName: string;
  /** PEMs of the app's certificate (public + private); the emulator keeps both so clients can be configured. */
  certificate?: { certPem: string; keyPem: string };
  roles?: Partial<Record<ResourceName, string[]>>;
}): AppRegistration {
  const certificates: RegisteredCertificate[] = [];
  if (options.certificate)
    certificates.push(registerCertificate(options.certificate.certPem, options.certificate.keyPem));
  return {
    name: options.name,
    clientId: options.clientId,
    displayName: options.displayName,
    secrets: [generateClientSecret()],
    certificates,
    roles: {
      graph: new Set(options.roles?.graph ?? []),
      sharepoint: new Set(options.roles?.sharepoint ?? []),
    },
  };
}
