// Certificate credentials: the client proves possession of the registered certificate's key with a JWT
// (RFC 7523) signed RS256 or PS256, whose header names the certificate by `x5t#S256` (or legacy `x5t`), with
// aud = the token endpoint, iss = sub = client id, and a short exp.
// https://learn.microsoft.com/entra/identity-platform/certificate-credentials

import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { AppRegistration } from './AppRegistration';

export type AssertionCheck = { ok: true } | { ok: false; code: number; message: string };

export async function verifyClientAssertion(
  assertion: string,
  app: AppRegistration,
  options: { tokenEndpoint: string; now: Date },
): Promise<AssertionCheck> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return { ok: false, code: 50027, message: 'JWT token is invalid or malformed.' };
  }
  if (header.alg !== 'RS256' && header.alg !== 'PS256') {
    return {
      ok: false,
      code: 5002738,
      message: `Invalid JWT token. '${String(header.alg)}' is not a supported signature algorithm.`,
    };
  }
  const s256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  const certificate = app.certificates.find((c) => (s256 ? c.x5tS256 === s256 : c.x5t === header.x5t));
  if (!certificate) {
    const id = s256 ?? (typeof header.x5t === 'string' ? header.x5t : '');
    return {
      ok: false,
      code: 700027,
      message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${id}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.]`,
    };
  }
  try {
    await jwtVerify(assertion, certificate.publicKey, {
      algorithms: ['RS256', 'PS256'],
      audience: options.tokenEndpoint,
      issuer: app.clientId,
      subject: app.clientId,
      requiredClaims: ['exp'],
      currentDate: options.now,
      clockTolerance: 300,
    });
    return { ok: true };
  } catch (error) {
    if (
      error instanceof errors.JWTExpired ||
      (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf')
    ) {
      return { ok: false, code: 700024, message: 'Client assertion is not within its valid time range.' };
    }
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
      return { ok: false, code: 50012, message: 'Client assertion audience claim does not match Realm issuer.' };
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      return {
        ok: false,
        code: 700023,
        message: "Client assertion application identifier doesn't match 'client_id' parameter.",
      };
    }
    return { ok: false, code: 700027, message: 'Client assertion failed signature validation.' };
  }
}
