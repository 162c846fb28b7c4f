// What can still break the certificate sign-in after the certificate itself is valid: Entra verifies the client
// assertion MSAL signs with RS256/PS256, so the key must be RSA (an EC certificate uploads fine and then fails every
// sign-in with AADSTS700027), at least 2048 bits; and the assertion's `nbf`/`exp` come from this machine's clock,
// so a clock several minutes off gets AADSTS700024 ("Client assertion is not within its valid time range").
// The skew is measured against the `Date` header of the authority's OpenID configuration.
// https://learn.microsoft.com/entra/identity-platform/certificate-credentials

import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { M365Config } from '../config';
import type { CheckResult } from './DoctorCheck';

const SKEW_WARN_MS = 60_000;
/** MSAL makes assertions valid for 10 minutes from `now`; Entra allows a few minutes of skew. */
const SKEW_FAIL_MS = 5 * 60_000;

export function checkCertificateKey(certificatePem: string, privateKeyPem: string): CheckResult {
  const id = 'certificate-key';
  const title = 'Certificate key for the client assertion';
  const fix =
    'Create an RSA certificate of 2048 bits or more (Key Vault: key type RSA; openssl req -newkey rsa:2048), upload ' +
    'it to the app registration and set M365_CLIENT_CERTIFICATE (docs/deploy.md, step 1).';
  const publicKey = new X509Certificate(certificatePem).publicKey;
  const type = publicKey.asymmetricKeyType ?? 'unknown';
  let privateType: string;
  try {
    privateType = createPrivateKey(privateKeyPem).asymmetricKeyType ?? 'unknown';
  } catch (error) {
    return { id, title, status: 'fail', detail: `the private key cannot be read: ${(error as Error).message}`, fix };
  }
  if (type !== 'rsa' || privateType !== 'rsa') {
    return {
      id,
      title,
      status: 'fail',
      detail: `certificate key ${type}, private key ${privateType}: Entra verifies RS256/PS256 assertions, RSA only`,
      fix,
    };
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) return { id, title, status: 'fail', detail: `RSA ${bits} bits: Entra wants 2048 or more`, fix };
  return { id, title, status: 'pass', detail: `RSA ${bits} bits` };
}

export async function checkClockSkew(m365: M365Config, now: Date): Promise<CheckResult> {
  const id = 'clock-skew';
  const title = `Clock against ${m365.authorityHost}`;
  const url = `${m365.authorityHost}/${m365.tenantId}/v2.0/.well-known/openid-configuration`;
  let serverDate: number;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    serverDate = Date.parse(response.headers.get('date') ?? '');
  } catch (error) {
    return {
      id,
      title,
      status: 'warn',
      detail: `could not reach it: ${(error as Error).message}`,
      fix: 'Check outbound HTTPS to the authority (M365_AUTHORITY_HOST).',
    };
  }
  if (Number.isNaN(serverDate)) {
    return { id, title, status: 'warn', detail: 'the answer had no Date header to compare with', fix: 'None needed.' };
  }
  // The Date header has whole seconds: up to a second of the difference is rounding.
  const skewMs = Math.max(0, Math.abs(now.getTime() - serverDate) - 1_000);
  const detail = `this machine is ${Math.round(skewMs / 1000)} s ${now.getTime() > serverDate ? 'ahead' : 'behind'}`;
  if (skewMs <= SKEW_WARN_MS) return { id, title, status: 'pass', detail };
  return {
    id,
    title,
    status: skewMs > SKEW_FAIL_MS ? 'fail' : 'warn',
    detail: `${detail}: the certificate assertion's nbf/exp come from this clock (AADSTS700024 when too far off)`,
    fix: 'Synchronise the clock with NTP (Linux: timedatectl set-ntp true; Windows: w32tm /resync).',
  };
}
